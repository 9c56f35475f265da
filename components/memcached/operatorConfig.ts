/**
 * Loads the operator's generated manifests (`operator/config/...`) so the TypeScript side installs
 * exactly what controller-gen produced. The files ship in the npm package (`files` in package.json)
 * next to `bin/components`, so the path is resolved from the package root, not from this file.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { operatorDir } from "../common/paths";

export function operatorConfigPath(...parts: string[]): string {
    return path.join(operatorDir(), "config", ...parts);
}

/** Every document of a YAML file, without the empty ones a trailing `---` produces. */
export function loadYamlDocuments(file: string): any[] {
    if (!fs.existsSync(file)) {
        throw new Error(`operator manifest ${file} is missing: build the operator's config (operator/config) or reinstall the package`);
    }
    return yaml.loadAll(fs.readFileSync(file, "utf8")).filter(d => d !== null && d !== undefined);
}

/** The one document of `kind` in `file`. */
export function loadManifest(file: string, kind: string): any {
    const docs = loadYamlDocuments(file).filter(d => d.kind === kind);
    if (docs.length !== 1) throw new Error(`${file}: expected one ${kind}, found ${docs.length}`);
    return docs[0];
}

export const CRD_FILE = ["crd", "bases", "cache.kubecache.io_memcacheds.yaml"];
export const MANAGER_ROLE_FILE = ["rbac", "role.yaml"];
export const LEADER_ELECTION_ROLE_FILE = ["rbac", "leader_election_role.yaml"];

/** The committed Memcached CRD, as controller-gen wrote it. */
export function loadMemcachedCrd(): any {
    return loadManifest(operatorConfigPath(...CRD_FILE), "CustomResourceDefinition");
}

/** The manager's least-privilege ClusterRole, generated from the controller's RBAC markers. */
export function loadManagerRole(): any {
    return loadManifest(operatorConfigPath(...MANAGER_ROLE_FILE), "ClusterRole");
}

/** The namespaced Role leader election needs (leases and events). */
export function loadLeaderElectionRole(): any {
    return loadManifest(operatorConfigPath(...LEADER_ELECTION_ROLE_FILE), "Role");
}

/** The schema of `version` in a CRD manifest. */
export function crdVersionSchema(crd: any, version: string): any {
    const v = (crd?.spec?.versions ?? []).find((x: any) => x.name === version);
    if (!v) throw new Error(`CRD ${crd?.metadata?.name} has no version ${version}`);
    return v.schema?.openAPIV3Schema;
}
