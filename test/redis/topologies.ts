/**
 * The three Redis components side by side, for the tests of arguments they all take (engine, TLS,
 * users, extraConfig, metrics, scheduling): how to build each, and where its objects are.
 */
import * as pulumi from "@pulumi/pulumi";
import { RedisReplicated } from "../../components/redis/replicated";
import { RedisSentinel } from "../../components/redis/sentinel";
import { RedisStandalone } from "../../components/redis/standalone";
import { findCreated, Recorded } from "../support/mocks";

export const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
export const SECRET = "kubernetes:core/v1:Secret";
export const SERVICE = "kubernetes:core/v1:Service";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
export const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
export const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

export interface Topology {
    component: string;
    make(name: string, args?: any): { userSecretNames: pulumi.Output<Record<string, string>> } & Record<string, any>;
    /** ConfigMap holding the data nodes' redis.conf and start.sh. */
    dataConfig(name: string): string;
    /** Every workload whose pods the component creates: [type, Pulumi name]. */
    workloads(name: string): Array<[string, string]>;
    /** The workloads whose pods serve data (run redis-server). */
    dataWorkloads(name: string): Array<[string, string]>;
    /** The client endpoints as Outputs. */
    endpoints(c: any): pulumi.Output<string>[];
}

export const TOPOLOGIES: Topology[] = [
    {
        component: "RedisStandalone",
        make: (n, a) => new RedisStandalone(n, a),
        dataConfig: n => `${n}-config`,
        workloads: n => [[DEPLOYMENT, n]],
        dataWorkloads: n => [[DEPLOYMENT, n]],
        endpoints: c => [c.endpoint],
    },
    {
        component: "RedisReplicated",
        make: (n, a) => new RedisReplicated(n, a),
        dataConfig: n => `${n}-config`,
        workloads: n => [[STATEFULSET, n]],
        dataWorkloads: n => [[STATEFULSET, n]],
        endpoints: c => [c.masterEndpoint, c.readEndpoint],
    },
    {
        component: "RedisSentinel",
        make: (n, a) => new RedisSentinel(n, a),
        dataConfig: n => `${n}-node-config`,
        workloads: n => [
            [STATEFULSET, `${n}-node`],
            [STATEFULSET, `${n}-sentinel`],
            [DEPLOYMENT, `${n}-haproxy`],
        ],
        dataWorkloads: n => [[STATEFULSET, `${n}-node`]],
        endpoints: c => [c.endpoint, c.readEndpoint, c.sentinelEndpoint],
    },
];

export function podSpec(r: Recorded): any {
    return r.inputs.spec.template.spec;
}

export function podSpecs(t: Topology, name: string, which: "all" | "data" = "all"): Array<{ at: string; spec: any }> {
    return (which === "all" ? t.workloads(name) : t.dataWorkloads(name)).map(([type, n]) => ({
        at: `${type} ${n}`,
        spec: podSpec(findCreated(type, n)),
    }));
}

export function dataFile(t: Topology, name: string, key: string): string {
    return findCreated(CONFIGMAP, t.dataConfig(name)).inputs.data[key];
}
