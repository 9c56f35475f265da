/**
 * Runs index.ts under the recording mocks with a stack's real configuration: the project defaults
 * from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml, overlaid by `overrides`. Encrypted (`secure:`)
 * values become placeholder secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { resetRecorded, settle, useStack } from "./mocks";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "kubecache";

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** The config map the CLI would hand the program for `stack`. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): { config: Record<string, string>; secretKeys: string[] } {
    const project: any = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const stackFile = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const stackYaml: any = fs.existsSync(stackFile) ? yaml.load(fs.readFileSync(stackFile, "utf8")) : {};
    const values: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries<any>(project.config ?? {})) {
        if (schema && typeof schema === "object" && "default" in schema) values[qualify(key)] = schema.default;
    }
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries<any>(stackYaml?.config ?? {})) {
        if (value && typeof value === "object" && "secure" in value) {
            values[qualify(key)] = `mock-secret-for-${key}`;
            secretKeys.push(qualify(key));
        } else {
            values[qualify(key)] = value;
        }
    }
    for (const [key, value] of Object.entries(overrides)) values[qualify(key)] = value;
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        if (value === undefined) continue;
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { config, secretKeys };
}

/** Runs the program fresh for `stack`; returns its exports once every registration reached the mocks. */
export async function runProgram(stack: string, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
    useStack(stack);
    const { config, secretKeys } = stackConfig(stack, overrides);
    pulumi.runtime.setAllConfig(config, secretKeys);
    resetRecorded();
    const entry = require.resolve(path.join(ROOT, "index.ts"));
    delete require.cache[entry];
    const exports = require(entry);
    await settle();
    return exports;
}
