/**
 * The Memcached Grafana dashboard (`MemcachedOperator`'s `dashboards`): one for every Memcached object of the
 * cluster, with namespace and object pickers, since one operator and one PodMonitor serve them all. The file is
 * `dashboards/memcached.json` of the package, importable into Grafana by hand as it is.
 */
import * as fs from "fs";
import * as path from "path";

/** What the dashboard picks a Memcached by: the pod label the PodMonitor copies onto every series. */
export const MEMCACHED_INSTANCE_LABEL = "app.kubernetes.io/instance";

/** The dashboard file, as the ConfigMap carries it. */
export function memcachedDashboard(): string {
    return fs.readFileSync(path.join(__dirname, "dashboards", "memcached.json"), "utf8");
}
