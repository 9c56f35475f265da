/**
 * Grafana dashboards of the Redis components (`metrics.dashboards`). The dashboards are JSON files of the package
 * (`dashboards/<topology>.json`, importable into Grafana as they are, with namespace and instance pickers); a
 * component ships its topology's file in a ConfigMap labelled for Grafana's dashboard sidecar, pinned to itself:
 * its own uid and title, and the namespace and instance as constants.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { RedisTopology } from "./metricsRules";

interface Variable {
    name: string;
    type: string;
    [k: string]: unknown;
}

export interface Dashboard {
    uid: string;
    title: string;
    templating: { list: Variable[] };
    panels: Array<{ title: string; targets: Array<{ refId: string; expr: string }> }>;
    [k: string]: unknown;
}

/** The dashboard file of `topology`, as the repository holds it. */
export function dashboardFile(topology: RedisTopology): Dashboard {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "dashboards", `${topology}.json`), "utf8"));
}

/**
 * The file pinned to one component: a uid of its own (Grafana keeps one dashboard per uid, and uids are at most 40
 * characters), its namespace and name in the title, and those two as hidden constants instead of pickers.
 */
export function renderDashboard(topology: RedisTopology, namespace: string, instance: string): string {
    const d = dashboardFile(topology);
    const hash = createHash("sha256").update(`${topology}/${namespace}/${instance}`).digest("hex").slice(0, 16);
    const pinned: Record<string, string> = { namespace, instance };
    const out: Dashboard = {
        ...d,
        uid: `${d.uid.slice(0, 23)}-${hash}`,
        title: `${d.title} (${namespace}/${instance})`,
        templating: {
            list: d.templating.list.map(v =>
                v.name in pinned ? { name: v.name, label: v.label, type: "constant", query: pinned[v.name], hide: 2 } : v,
            ),
        },
    };
    return `${JSON.stringify(out, null, 2)}\n`;
}
