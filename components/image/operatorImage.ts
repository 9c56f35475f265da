import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ArgumentError, Registry, requireOneOf } from "../common";
import { operatorDir } from "../common/paths";
import { hashSources } from "./sourceHash";

const COMPONENT = "OperatorImage";
export const DEFAULT_OPERATOR_REPOSITORY = "kubecache/memcached-operator";
export const OPERATOR_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Target platform of the manager binary and the image. */
export type OperatorPlatform = (typeof OPERATOR_PLATFORMS)[number];

export interface OperatorImageArgs {
    /** Where to push (a cluster component's `registry` fits); required unless `skipPush`. */
    registry?: Registry;
    /** Repository path inside the registry; default `kubecache/memcached-operator`. */
    repository?: string;
    /** Image tag; default `src-` plus the first 12 hex digits of the source hash. `latest` is refused. */
    tag?: string;
    /** Target platform, `linux/amd64` (default) or `linux/arm64`; the manager is cross-compiled for it. */
    platform?: OperatorPlatform;
    /** Build without pushing (preview, local experiments); `imageRef` is then tag-based, not digest-pinned. */
    skipPush?: boolean;
    /** The operator's Go module (with Makefile and Dockerfile); default the package's `operator/`. */
    sourceDir?: string;
    /** Command run in `sourceDir` that writes the static manager binary; default `make build`. */
    buildCommand?: string;
    /** Where `buildCommand` writes the binary the Dockerfile copies, relative to `sourceDir`; default `bin/manager`. */
    binaryPath?: string;
}

/**
 * Builds the operator's manager binary, bakes it into the `FROM scratch` image and pushes it to the
 * cluster's registry. `imageRef` names the pushed manifest by digest, so a rebuild under the same
 * tag still changes the Deployment's pod template and rolls the operator.
 */
export class OperatorImage extends pulumi.ComponentResource {
    /** `pullServer/repository@sha256:…` (with `skipPush`: `…:tag`). */
    public readonly imageRef: pulumi.Output<string>;
    /** `pushServer/repository:tag` as pushed. */
    public readonly imageName: pulumi.Output<string>;
    /** Hash of the Go sources the binary was built from. */
    public readonly sourceHash: pulumi.Output<string>;

    constructor(name: string, args: OperatorImageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:OperatorImage", name, {}, opts);
        const skipPush = args.skipPush ?? false;
        const registry = args.registry;
        if (!registry && !skipPush) {
            throw new ArgumentError(
                COMPONENT,
                "registry",
                "is required unless `skipPush` is true: the cluster pulls the operator from it.",
            );
        }
        if (registry && (registry.username === undefined) !== (registry.password === undefined)) {
            throw new ArgumentError(COMPONENT, "registry.password", "and `registry.username` must be given together.");
        }
        const repository = args.repository ?? DEFAULT_OPERATOR_REPOSITORY;
        if (!REPOSITORY.test(repository)) {
            throw new ArgumentError(
                COMPONENT,
                "repository",
                `must be a lower-case repository path such as "kubecache/memcached-operator"; got ${JSON.stringify(repository)}.`,
            );
        }
        const platform = args.platform ?? "linux/amd64";
        requireOneOf(COMPONENT, "platform", platform, OPERATOR_PLATFORMS);
        const sourceDir = path.resolve(args.sourceDir ?? operatorDir());
        for (const file of ["Makefile", "Dockerfile"]) {
            if (!fs.existsSync(path.join(sourceDir, file))) {
                throw new ArgumentError(
                    COMPONENT,
                    "sourceDir",
                    `must hold the operator's ${file}; ${path.join(sourceDir, file)} does not exist.`,
                );
            }
        }
        const hash = hashSources(sourceDir);
        const tag = args.tag ?? `src-${hash.slice(0, 12)}`;
        if (!TAG.test(tag) || tag === "latest") {
            throw new ArgumentError(COMPONENT, "tag", `must be a Docker tag other than "latest"; got ${JSON.stringify(tag)}.`);
        }
        const buildCommand = args.buildCommand ?? "make build";

        const binaryPath = args.binaryPath ?? "bin/manager";
        const build = new command.local.Command(
            `${name}-manager`,
            {
                create: buildCommand,
                dir: sourceDir,
                environment: { CGO_ENABLED: "0", GOOS: "linux", GOARCH: platform.split("/")[1] },
                triggers: buildTriggers(hash, platform, buildCommand, fs.existsSync(path.join(sourceDir, binaryPath))),
            },
            { parent: this },
        );

        const pushServer = registry ? pulumi.output(registry.pushServer) : undefined;
        const pullServer = registry ? pulumi.output(registry.pullServer ?? registry.pushServer) : undefined;
        const imageName = pushServer ? pulumi.interpolate`${pushServer}/${repository}:${tag}` : pulumi.output(`${repository}:${tag}`);
        const image = new docker.Image(
            name,
            {
                build: { context: sourceDir, dockerfile: path.join(sourceDir, "Dockerfile"), platform },
                imageName,
                registry:
                    registry && !skipPush
                        ? {
                              server: pushServer,
                              username: registry.username,
                              password: registry.password === undefined ? undefined : pulumi.secret(registry.password),
                          }
                        : undefined,
                skipPush,
            },
            { parent: this, dependsOn: [build] },
        );

        this.imageName = image.imageName;
        this.sourceHash = pulumi.output(hash);
        this.imageRef = skipPush
            ? pullServer
                ? pulumi.interpolate`${pullServer}/${repository}:${tag}`
                : pulumi.output(`${repository}:${tag}`)
            : pulumi.all([pullServer!, image.repoDigest]).apply(([server, repoDigest]) => pinnedRef(server, repository, repoDigest));
        this.registerOutputs({ imageRef: this.imageRef, imageName: this.imageName, sourceHash: this.sourceHash });
    }
}

/**
 * The build re-runs when any trigger changes. The binary is git-ignored, so a fresh checkout with
 * existing state has sources that match but no binary: the marker forces one build then (and, when it
 * disappears again, one more, which the Go build cache makes cheap).
 */
export function buildTriggers(sourceHash: string, platform: string, buildCommand: string, binaryExists: boolean): string[] {
    const triggers = [sourceHash, platform, buildCommand];
    if (!binaryExists) triggers.push("manager binary missing");
    return triggers;
}

/**
 * `server/repository@digest` from the provider's `repoDigest` (`pushServer/repository@sha256:…`):
 * the digest is the manifest's, so it is the same whichever host name the nodes use for the registry.
 */
export function pinnedRef(server: string, repository: string, repoDigest: string): string {
    const digest = repoDigest.slice(repoDigest.lastIndexOf("@") + 1);
    if (!repoDigest.includes("@") || !DIGEST.test(digest)) {
        throw new Error(
            `${COMPONENT}: the registry returned no manifest digest for ${repository} (repoDigest ${JSON.stringify(repoDigest)})`,
        );
    }
    return `${server}/${repository}@${digest}`;
}
