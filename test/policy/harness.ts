/**
 * Runs policies the way the Pulumi engine does, without the engine: builds ResourceValidationArgs and
 * StackValidationArgs, collects every reportViolation call, and honours `notApplicable` and a pack
 * config (enforcement level per policy plus its properties). Never constructs a PolicyPack.
 */
import {
    EnforcementLevel,
    Policies,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

type Class = { __pulumiType?: string } & (new (...args: any[]) => any);
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface Report {
    policy: string;
    message: string;
    urn?: string;
    enforcementLevel: EnforcementLevel;
}

export interface Outcome {
    /** The reported messages, in order. */
    messages: string[];
    reports: Report[];
    /** Set when the policy called `notApplicable`. */
    notApplicable?: string;
}

/**
 * A resource for a stack check: its type (token or SDK class), name, props, and property dependencies
 * as names of other entries (or `type::name` where names repeat across types).
 */
export interface StackEntry {
    type: string | Class;
    name: string;
    props: Record<string, any>;
    dependencies?: Record<string, string[]>;
}

class NotApplicable extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

const tokenOf = (type: string | Class): string => (typeof type === "string" ? type : (type.__pulumiType ?? ""));
export const urnOf = (type: string, name: string): string => `urn:pulumi:test::kubecache::${type}::${name}`;

function levelOf(policy: { name: string; enforcementLevel?: EnforcementLevel }, config: PackConfig): EnforcementLevel {
    const c = config[policy.name];
    if (typeof c === "string") return c;
    return c?.enforcementLevel ?? policy.enforcementLevel ?? "advisory";
}

function propertiesOf(name: string, config: PackConfig): Record<string, unknown> {
    const c = config[name];
    if (typeof c !== "object") return {};
    const { enforcementLevel: _ignored, ...rest } = c;
    return rest;
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
};
const opts = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

async function collect(
    policy: { name: string; enforcementLevel?: EnforcementLevel },
    config: PackConfig,
    run: (report: ReportViolation) => Promise<void> | void,
): Promise<Outcome> {
    const outcome: Outcome = { messages: [], reports: [] };
    const enforcementLevel = levelOf(policy, config);
    const report: ReportViolation = (message, urn) => {
        outcome.messages.push(message);
        outcome.reports.push({ policy: policy.name, message, urn, enforcementLevel });
    };
    try {
        await run(report);
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
        outcome.notApplicable = e.reason;
    }
    return outcome;
}

/** Runs one resource policy against one resource's inputs. */
export function checkResource(
    policy: ResourceValidationPolicy,
    type: string | Class,
    props: Record<string, any>,
    config: PackConfig = {},
    name = "fixture",
): Promise<Outcome> {
    const token = tokenOf(type);
    const args: ResourceValidationArgs = {
        type: token,
        props: structuredClone(props),
        urn: urnOf(token, name),
        name,
        opts,
        stackTags: new Map(),
        isType: cls => (cls as unknown as Class).__pulumiType === token,
        asType: cls => ((cls as unknown as Class).__pulumiType === token ? (args.props as any) : undefined),
        getConfig: <T extends object>() => propertiesOf(policy.name, config) as T,
        notApplicable,
    };
    // Like the engine: each validation of an array may be not applicable on its own; the policy is
    // not applicable only when all of them are.
    const validations = [policy.validateResource ?? []].flat();
    return collect(policy, config, async report => {
        const reasons: string[] = [];
        for (const validate of validations) {
            try {
                await validate(args, report);
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
                reasons.push(e.reason);
            }
        }
        if (reasons.length === validations.length) throw new NotApplicable(reasons.join("; "));
    });
}

/** Turns entries into PolicyResources whose `propertyDependencies` point at the named entries. */
export function stackResources(entries: StackEntry[]): PolicyResource[] {
    const byName = new Map<string, PolicyResource>();
    const resources = entries.map(e => {
        const token = tokenOf(e.type);
        const r: PolicyResource = {
            type: token,
            name: e.name,
            props: structuredClone(e.props),
            urn: urnOf(token, e.name),
            opts,
            dependencies: [],
            propertyDependencies: {},
            isType: cls => (cls as unknown as Class).__pulumiType === token,
            asType: cls => ((cls as unknown as Class).__pulumiType === token ? (r.props as any) : undefined),
        };
        byName.set(e.name, r);
        byName.set(`${token}::${e.name}`, r);
        return r;
    });
    entries.forEach((e, i) => {
        for (const [prop, names] of Object.entries(e.dependencies ?? {})) {
            resources[i].propertyDependencies[prop] = names.map(n => byName.get(n)!).filter(Boolean);
            resources[i].dependencies.push(...resources[i].propertyDependencies[prop]);
        }
    });
    return resources;
}

/** Runs one stack policy over the given resources. */
export function checkStack(
    policy: StackValidationPolicy,
    entries: StackEntry[] | PolicyResource[],
    config: PackConfig = {},
): Promise<Outcome> {
    const resources = entries.length > 0 && "urn" in entries[0] ? (entries as PolicyResource[]) : stackResources(entries as StackEntry[]);
    const args: StackValidationArgs = {
        resources,
        stackTags: new Map(),
        notApplicable,
        getConfig: <T extends object>() => propertiesOf(policy.name, config) as T,
    };
    return collect(policy, config, report => policy.validateStack(args, report));
}

/**
 * Runs every policy over a stack the way a preview does: resource policies once per resource (on its
 * inputs), stack policies once over all resources (on their outputs). Disabled policies are skipped.
 */
export async function checkPack(
    policies: Policies,
    stack: Array<StackEntry & { inputs: Record<string, any> }>,
    config: PackConfig = {},
): Promise<Report[]> {
    const reports: Report[] = [];
    const resources = stackResources(stack);
    for (const policy of policies) {
        if (levelOf(policy, config) === "disabled") continue;
        if ("validateStack" in policy) {
            reports.push(...(await checkStack(policy, resources, config)).reports);
        } else {
            for (const entry of stack) {
                const outcome = await checkResource(policy, entry.type, entry.inputs, config, entry.name);
                reports.push(...outcome.reports.map(r => ({ ...r, urn: urnOf(tokenOf(entry.type), entry.name) })));
            }
        }
    }
    return reports;
}

/** A resource as the recording mocks saw it. */
export interface RecordedResource {
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
}

/**
 * Stack entries from mock recordings. Mocks know no dependency graph, so a property depends on the
 * resources whose ids appear in its input value (how `vswitchIds: [vsw.id]` would be wired).
 */
export function entriesFromRecorded(resources: RecordedResource[]): Array<StackEntry & { inputs: Record<string, any> }> {
    const byId = new Map(resources.map(r => [r.id, `${r.type}::${r.name}`]));
    const idsIn = (value: unknown): string[] =>
        typeof value === "string"
            ? byId.has(value)
                ? [value]
                : []
            : Array.isArray(value)
              ? value.flatMap(idsIn)
              : value && typeof value === "object"
                ? Object.values(value).flatMap(idsIn)
                : [];
    return resources.map(r => {
        const dependencies: Record<string, string[]> = {};
        for (const [prop, value] of Object.entries(r.inputs ?? {})) {
            const ids = idsIn(value);
            if (ids.length > 0) dependencies[prop] = ids.map(id => byId.get(id)!);
        }
        return { type: r.type, name: r.name, props: r.state, inputs: r.inputs, dependencies };
    });
}
