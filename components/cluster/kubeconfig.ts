import { load } from "js-yaml";

/** What {@link inspectKubeconfig} learned, without any credential in it. */
export interface KubeconfigSummary {
    contexts: string[];
    currentContext?: string;
    /** The context the provider will use: the requested one, else `current-context`. */
    context: string;
    /** Name of the cluster that context points at. */
    cluster: string;
}

interface NamedEntry {
    name?: unknown;
    context?: { cluster?: unknown; user?: unknown };
}

/**
 * Parses a kubeconfig (YAML or JSON) and resolves the context to use. Throws a plain Error whose
 * message never quotes the document, since it holds credentials.
 */
export function inspectKubeconfig(text: string, context?: string): KubeconfigSummary {
    if (typeof text !== "string" || text.trim() === "") throw new Error("is empty");
    let doc: unknown;
    try {
        doc = load(text);
    } catch (e) {
        const mark = (e as { mark?: { line?: number } }).mark;
        throw new Error(`is not valid YAML${mark?.line !== undefined ? ` (line ${mark.line + 1})` : ""}`);
    }
    if (!doc || typeof doc !== "object" || (doc as { kind?: unknown }).kind !== "Config") {
        throw new Error("is not a kubeconfig (expected a document with `kind: Config`)");
    }
    const config = doc as { contexts?: unknown; clusters?: unknown; "current-context"?: unknown };
    const entries = (list: unknown): NamedEntry[] => (Array.isArray(list) ? list : []) as NamedEntry[];
    const contexts = entries(config.contexts)
        .map(c => c.name)
        .filter((n): n is string => typeof n === "string");
    const clusters = entries(config.clusters)
        .map(c => c.name)
        .filter((n): n is string => typeof n === "string");
    const currentContext =
        typeof config["current-context"] === "string" && config["current-context"] ? config["current-context"] : undefined;
    const wanted = context ?? currentContext;
    if (!wanted) throw new Error(`names no current-context; set the context (one of: ${contexts.join(", ") || "none"})`);
    const entry = entries(config.contexts).find(c => c.name === wanted);
    if (!entry) throw new Error(`has no context "${wanted}" (has: ${contexts.join(", ") || "none"})`);
    const cluster = entry.context?.cluster;
    if (typeof cluster !== "string" || !clusters.includes(cluster)) {
        throw new Error(`context "${wanted}" points at cluster ${JSON.stringify(cluster)}, which the kubeconfig does not define`);
    }
    return { contexts, currentContext, context: wanted, cluster };
}
