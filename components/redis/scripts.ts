/**
 * The shell scripts the Redis components mount are files of the package (`scripts/*.sh` beside this module and in
 * each family's folder), read here and put into the components' ConfigMaps as they are; what the component
 * computes reaches them as one rendered `topology.env` (and `users.list`), which every script sources. A change of
 * either changes the ConfigMap's hashed name, so it rolls the pods.
 */
import * as fs from "fs";
import * as path from "path";

const cache = new Map<string, string>();

/** A script of the package, by its path under `components/redis` (e.g. `sentinel/scripts/agent.sh`). */
export function shellScript(rel: string): string {
    let text = cache.get(rel);
    if (text === undefined) {
        text = fs.readFileSync(path.join(__dirname, rel), "utf8");
        cache.set(rel, text);
    }
    return text;
}

/** A value evaluated by the shell that sources the file (it may name the pod's environment: `$HOSTNAME`). */
export interface ShellExpression {
    expr: string;
}

/**
 * `KEY='value'` lines for a script to source. Plain values are quoted as they are (they may not contain a quote);
 * {@link ShellExpression}s are expanded by the shell when it sources the file.
 */
export function renderEnv(vars: Record<string, string | number | boolean | ShellExpression | undefined>): string {
    const lines = ["# Rendered by kubecache; sourced by the scripts beside it."];
    for (const [k, v] of Object.entries(vars)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`not an environment variable name: ${k}`);
        if (v === undefined) continue;
        if (typeof v === "object") {
            if (/["`\\]/.test(v.expr)) throw new Error(`${k}: a shell expression may not contain quotes or backslashes`);
            lines.push(`${k}="${v.expr}"`);
            continue;
        }
        const s = String(v);
        if (s.includes("'") || /[\r\n]/.test(s))
            throw new Error(`${k}: a value may not contain a quote or a newline: ${JSON.stringify(s)}`);
        lines.push(`${k}='${s}'`);
    }
    return lines.join("\n") + "\n";
}

/** `host:port` entries, space-separated, in ordinal order: how the scripts receive a list of instances. */
export function hostPortList(list: { host: string; port: number }[]): string {
    return list.map(n => `${n.host}:${n.port}`).join(" ");
}
