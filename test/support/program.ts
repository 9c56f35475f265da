/**
 * Runs index.ts under the recording mocks with a stack's real configuration: the project defaults
 * from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml, overlaid by `overrides`. Encrypted (`secure:`)
 * values become placeholder secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { installClusterFakes } from "../cluster/fixtures";
import { calls, recorded, Recorded, RecordedCall, resetRecorded, settle, useStack } from "./mocks";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "kubecache";

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** The config map the CLI would hand the program for `stack`. */
export function stackConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
): { config: Record<string, string>; secretKeys: string[] } {
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

interface Run {
    exports: Record<string, any>;
    recorded: Recorded[];
    calls: RecordedCall[];
}

/** One run of each stack's own configuration per mocha process, shared by every spec that reads it. */
const shared = new Map<string, Promise<Run>>();

/**
 * The program's exports for `stack`, once every registration reached the mocks, with `recorded` (and
 * `calls`) holding what it registered. A stack's own configuration runs once per process and later calls
 * get that run's record back; any override runs the program fresh.
 */
export async function runProgram(stack: string, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
    if (Object.keys(overrides).length > 0) return (await freshRun(stack, overrides)).exports;
    if (!shared.has(stack)) shared.set(stack, freshRun(stack, {}));
    const run = await shared.get(stack)!;
    useStack(stack);
    resetRecorded();
    recorded.push(...run.recorded);
    calls.push(...run.calls);
    return run.exports;
}

async function freshRun(stack: string, overrides: Record<string, unknown>): Promise<Run> {
    useStack(stack);
    // What a real provider computes (the kind kubeconfig, ACK's NAT tables): every run sees the same fakes,
    // whichever spec ran before it.
    installClusterFakes();
    const { config, secretKeys } = stackConfig(stack, overrides);
    pulumi.runtime.setAllConfig(config, secretKeys);
    resetRecorded();
    const entry = require.resolve(path.join(ROOT, "index.ts"));
    delete require.cache[entry];
    const exports = require(entry);
    await settle();
    return { exports, recorded: [...recorded], calls: [...calls] };
}
