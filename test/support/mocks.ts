/**
 * Recording Pulumi mocks shared by every unit test. Importing this module installs the mocks once
 * per mocha process; tests call `resetRecorded()` in `beforeEach` and read `recorded` afterwards.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

// The SDK captures a stack trace for every promise it creates (for its leak report), and ts-node's
// source-map support rewrites each one: that was most of the unit tests' CPU time. Tests never print
// those traces, so they are left empty; every other error keeps its source-mapped stack.
const formatStack = Error.prepareStackTrace;
Error.prepareStackTrace = (error, frames) => {
    if (frames[0]?.getFunctionName() === "debuggablePromise") return "";
    return formatStack ? formatStack(error, frames) : `${error}\n    at ${frames.join("\n    at ")}`;
};

export interface Recorded {
    type: string;
    name: string;
    /** Inputs with secret markers removed (see `rawInputs` and {@link secretAt}). */
    inputs: any;
    /** Inputs as the engine sent them: secret values are wrapped in the secret signature. */
    rawInputs: any;
    provider?: string;
    custom: boolean;
    id: string;
    /** State returned to the program: inputs plus computed fields. */
    state: any;
}

export interface RecordedCall {
    token: string;
    inputs: any;
    provider?: string;
}

export const recorded: Recorded[] = [];
export const calls: RecordedCall[] = [];

/**
 * Computed fields a real provider would fill in, by type token. Components that read a computed
 * output register a filler here so the mock returns something realistic.
 */
export const computed: Record<string, (name: string, inputs: any) => any> = {
    "kubernetes:core/v1:Service": (name, inputs) => ({
        spec: { ...inputs.spec, clusterIP: inputs.spec?.clusterIP ?? "10.96.0.10" },
        metadata: { ...inputs.metadata, name: inputs.metadata?.name ?? name },
    }),
    "random:index/randomPassword:RandomPassword": (_name, inputs) => ({
        result: "x".repeat(inputs.length ?? 32),
        bcryptHash: "$2a$10$mock",
    }),
    // Cluster components (components/cluster) read these; test/cluster/fixtures.ts has richer ones.
    "alicloud:vpc/natGateway:NatGateway": name => ({ snatTableIds: `stb-${name}` }),
    "alicloud:ecs/eipAddress:EipAddress": () => ({ ipAddress: "47.0.0.10" }),
    // OperatorImage pins its ref to the pushed manifest: `<repository>@sha256:…`, or the local image id with skipPush.
    "docker:index/image:Image": (_name, inputs) => {
        const digest = `sha256:${createHash("sha256").update(String(inputs.imageName)).digest("hex")}`;
        return { repoDigest: inputs.skipPush ? digest : `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${digest}` };
    },
};

/** Results of provider function calls (invokes), by token. An unknown token fails the test. */
export const invokes: Record<string, (inputs: any) => any> = {
    "alicloud:cs/getClusterCredential:getClusterCredential": inputs => ({
        id: inputs.clusterId,
        clusterId: inputs.clusterId,
        kubeConfig: "apiVersion: v1\nkind: Config\n",
        certificateAuthority: {},
    }),
    "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances": inputs => ({
        id: "acr",
        ids: inputs.ids,
        instances: [
            {
                id: inputs.ids?.[0],
                tempUsername: "cr_temp_user",
                authorizationToken: "acr-temporary-token",
                publicEndpoints: [],
                vpcEndpoints: [],
            },
        ],
    }),
};

let counter = 0;

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(v: any): boolean {
    return v !== null && typeof v === "object" && v[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Removes secret markers, leaving the plain values. */
export function unwrapSecrets(v: any): any {
    if (isSecretWrapper(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** True when the value at `path` (dot-separated) of a recorded resource's inputs, or one of its parents, is secret. */
export function secretAt(r: Recorded, path: string): boolean {
    let v = r.rawInputs;
    for (const key of path.split(".")) {
        if (isSecretWrapper(v)) return true;
        if (v === null || typeof v !== "object") return false;
        v = v[key];
    }
    return isSecretWrapper(v);
}

const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
        const fill = computed[args.type];
        const inputs = unwrapSecrets(args.inputs);
        const metadata = inputs?.metadata;
        const state = {
            ...args.inputs,
            ...(metadata ? { metadata: { ...metadata, name: metadata.name ?? args.name } } : {}),
            ...(fill ? fill(args.name, inputs) : {}),
        };
        // The engine sends "" (not undefined) for a new resource; an empty id would make every reference to it unknown.
        const id = args.id || `${args.name}-id-${++counter}`;
        recorded.push({
            type: args.type,
            name: args.name,
            inputs,
            rawInputs: args.inputs,
            provider: args.provider,
            custom: args.custom ?? true,
            id,
            state,
        });
        return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        calls.push({ token: args.token, inputs: args.inputs, provider: args.provider });
        const fn = invokes[args.token];
        if (!fn) throw new Error(`unexpected invoke ${args.token} in a unit test: add it to invokes`);
        return fn(args.inputs);
    },
};

pulumi.runtime.setMocks(mocks, "kubecache", "dev", false);

/** Re-installs the mocks under another stack name (e.g. `prod`), as `pulumi.getStack()` reports it. */
export function useStack(stack: string): void {
    pulumi.runtime.setMocks(mocks, "kubecache", stack, false);
}

export function resetRecorded(): void {
    recorded.length = 0;
    calls.length = 0;
}

/** Resolves an Output's value (also its secretness via {@link isSecret}). */
export function promiseOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise(resolve => pulumi.output(output).apply(v => resolve(v as T)));
}

export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/**
 * Waits until every resource registration started so far has reached the mock: drains the SDK's
 * RPC queue (internal `waitForRPCs`, what `pulumi up` waits on before exit), then requires the
 * record count to hold still across a macrotask, since registrations inside `apply` start later.
 */
export async function settle(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings");
    let before = -1;
    for (let i = 0; i < 100 && before !== recorded.length; i++) {
        before = recorded.length;
        await settings.waitForRPCs();
        await new Promise(resolve => setTimeout(resolve, 5));
    }
}

export function findAll(type: string): Recorded[] {
    return recorded.filter(r => r.type === type);
}

/** The one resource of `type` whose Pulumi name is `name`; throws with the list of names otherwise. */
export function findCreated(type: string, name?: string): Recorded {
    const hits = recorded.filter(r => r.type === type && (name === undefined || r.name === name));
    if (hits.length !== 1) {
        const names = findAll(type)
            .map(r => r.name)
            .join(", ");
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${hits.length} (have: ${names || "none"})`);
    }
    return hits[0];
}

/** Counts of recorded resources by type token. */
export function countsByType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of recorded) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
}

/** Asserts that `fn` throws synchronously with a message matching `pattern` and that no resource was recorded. */
export async function expectRejected(fn: () => unknown, pattern: RegExp): Promise<void> {
    const before = recorded.length;
    let error: unknown;
    try {
        fn();
    } catch (e) {
        error = e;
    }
    if (!error) throw new Error(`expected an error matching ${pattern}, but nothing was thrown`);
    const message = error instanceof Error ? error.message : String(error);
    if (!pattern.test(message)) throw new Error(`error ${JSON.stringify(message)} does not match ${pattern}`);
    await settle();
    const children = recorded.slice(before).filter(r => r.custom);
    if (children.length) {
        throw new Error(`resources were created before the error: ${children.map(c => `${c.type} ${c.name}`).join(", ")}`);
    }
}

/**
 * The password Secret's data as a component writes it, decoded: the `<name>-auth-data` patch, which keeps the data
 * out of the Secret itself so that a new password is an update in place.
 */
export function authData(name: string): Record<string, string> {
    const patch = findCreated("kubernetes:core/v1:SecretPatch", `${name}-auth-data`);
    return Object.fromEntries(Object.entries(patch.inputs.data).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")]));
}
