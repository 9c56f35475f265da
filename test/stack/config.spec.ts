import { useStack } from "../support/mocks";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import * as ts from "typescript";
import { loadStackConfig } from "../../stack/config";
import { stackConfig } from "../support/program";

const ROOT = path.resolve(__dirname, "../..");
const LOADER = path.join(ROOT, "stack", "config.ts");

function listTs(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap(e => (e.isDirectory() ? listTs(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Every file of the program: the entry point, the stack wiring and the components it imports. */
function programFiles(): string[] {
    return [path.join(ROOT, "index.ts"), ...listTs(path.join(ROOT, "stack")), ...listTs(path.join(ROOT, "components"))];
}

/** The places in `file` that reach stack configuration: `new …Config(…)` and the runtime's config getters. */
function configAccesses(file: string): string[] {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isNewExpression(node) && /(^|\.)Config$/.test(node.expression.getText(source))) found.push(node.getText(source));
        if (ts.isPropertyAccessExpression(node) && /^(getConfig|allConfig|isConfigSecret|getStack)$/.test(node.name.text)) {
            found.push(node.getText(source));
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

/** Config with exactly `values` (keys without a namespace are `kubecache:`), as the CLI hands it to the program. */
function withConfig(values: Record<string, unknown>): void {
    const entries = Object.entries(values).map(([k, v]) => [
        k.includes(":") ? k : `kubecache:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
    ]);
    pulumi.runtime.setAllConfig(Object.fromEntries(entries));
}

/** The keys (`namespace:key`) `fn` reads through any pulumi.Config. */
function keysRead(fn: () => unknown): Set<string> {
    const proto = pulumi.Config.prototype as any;
    const original = proto.fullKey;
    const read = new Set<string>();
    proto.fullKey = function (this: pulumi.Config, key: string) {
        const full = original.call(this, key);
        read.add(full);
        return full;
    };
    try {
        fn();
    } finally {
        proto.fullKey = original;
    }
    return read;
}

describe("stack/config.ts: the one typed config loader", () => {
    const project: any = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const declared = new Set(Object.keys(project.config).map(k => `kubecache:${k}`));
    afterEach(() => pulumi.runtime.setAllConfig({}));
    after(() => useStack("dev"));

    it("is the only file of the program that reaches stack configuration", () => {
        const elsewhere = programFiles()
            .filter(f => f !== LOADER)
            .flatMap(f => configAccesses(f).map(a => `${path.relative(ROOT, f)}: ${a}`));
        assert.deepStrictEqual(elsewhere, []);
        // The scan itself must see the loader's reads, or it proves nothing.
        assert.deepStrictEqual(
            configAccesses(LOADER)
                .filter(a => a.startsWith("new"))
                .sort(),
            ['new pulumi.Config("alicloud")', "new pulumi.Config()"],
        );
    });

    it("reads every key Pulumi.yaml declares, and no undeclared one, whatever the cluster", () => {
        for (const stack of ["dev", "prod", "local"]) {
            const { config, secretKeys } = stackConfig(stack);
            pulumi.runtime.setAllConfig(config, secretKeys);
            const read = keysRead(() => loadStackConfig(new pulumi.Config(), stack));
            const project = [...read].filter(k => k.startsWith("kubecache:"));
            assert.deepStrictEqual(
                project.filter(k => !declared.has(k)),
                [],
                `${stack}: keys read but not declared in Pulumi.yaml`,
            );
            assert.deepStrictEqual(
                [...declared].filter(k => !read.has(k)),
                [],
                `${stack}: keys declared in Pulumi.yaml but never read`,
            );
            assert.deepStrictEqual([...read].filter(k => !k.startsWith("kubecache:")).sort(), ["alicloud:accessKey", "alicloud:secretKey"]);
        }
    });

    it("gives every declared key a default (the CLI requires a key without one on every stack) and stacks set only declared keys", () => {
        const noDefault = Object.entries<any>(project.config)
            .filter(([, v]) => !("default" in v))
            .map(([k]) => k);
        assert.deepStrictEqual(noDefault, []);
        for (const stack of ["dev", "prod", "local"]) {
            const undeclared = Object.keys(stackConfig(stack).config).filter(k => k.startsWith("kubecache:") && !declared.has(k));
            assert.deepStrictEqual(undeclared, [], `Pulumi.${stack}.yaml sets undeclared keys`);
        }
    });

    it("turns the dev and prod stack files into the cluster each is for", () => {
        const load = (stack: string) => {
            const { config, secretKeys } = stackConfig(stack);
            pulumi.runtime.setAllConfig(config, secretKeys);
            return loadStackConfig(new pulumi.Config(), stack);
        };
        const dev = load("dev");
        assert.deepStrictEqual(dev.cluster, {
            kind: "kind",
            args: { clusterName: "kubecache", nodeImage: undefined, workers: 1, registry: { port: 5001 } },
        });
        assert.deepStrictEqual(dev.redis, {
            pod: true,
            standalone: true,
            replicas: 2,
            sentinel: true,
            sentinelReplicas: 3,
            sentinels: 3,
            antiAffinity: "preferred",
            networkPolicy: false,
            persistence: { enabled: false, size: "1Gi", storageClass: undefined },
            password: undefined,
            image: undefined,
            haproxyImage: undefined,
            endpoint: { type: "ClusterIP" },
        });
        assert.deepStrictEqual(dev.memcached, {
            operatorImage: undefined,
            operatorPlatform: "linux/amd64",
            operatorNamespace: "kubecache-system",
            operatorReplicas: 1,
            instances: [{ name: "memcached-sample", size: 1 }],
        });
        const prod = load("prod");
        assert.strictEqual(prod.cluster.kind, "ack");
        const ack = prod.cluster.kind === "ack" ? prod.cluster.args : undefined;
        assert.deepStrictEqual(
            [ack?.region, ack?.zones, ack?.production, ack?.deletionProtection, ack?.clusterName, ack?.desiredSize],
            ["cn-hangzhou", ["cn-hangzhou-h", "cn-hangzhou-i"], true, true, "kubecache-prod", 3],
        );
        assert.deepStrictEqual(prod.redis.persistence, { enabled: true, size: "20Gi", storageClass: "alicloud-disk-essd" });
    });

    it("reads an existing cluster's kubeconfig and registry, the password as a secret", async () => {
        withConfig({
            cluster: "existing",
            kubeconfigPath: "/tmp/kc",
            kubeconfigContext: "staging",
            registryServer: "r.example.com",
            registryPassword: "pw",
        });
        const c = loadStackConfig(new pulumi.Config(), "dev");
        assert.strictEqual(c.cluster.kind, "existing");
        const args = c.cluster.kind === "existing" ? c.cluster.args : undefined;
        assert.deepStrictEqual([args?.kubeconfigPath, args?.context, args?.registry?.pushServer], ["/tmp/kc", "staging", "r.example.com"]);
        assert.ok(await pulumi.isSecret(pulumi.output(args!.registry!.password!)));
    });

    it("reads one Redis password as a secret and the images as given", async () => {
        withConfig({ redisPassword: "pw", redisImage: "r.example.com/valkey:9.1.4", haproxyImage: "r.example.com/haproxy:2.6" });
        const r = loadStackConfig(new pulumi.Config(), "dev").redis;
        assert.ok(r.password && (await pulumi.isSecret(r.password)), "redisPassword must be a secret");
        assert.deepStrictEqual([r.image, r.haproxyImage], ["r.example.com/valkey:9.1.4", "r.example.com/haproxy:2.6"]);
    });

    it("makes redis-ha's LoadBalancer endpoint an internal SLB on ACK unless told otherwise, with its source ranges and node port", () => {
        const ack = { cluster: "ack", ackRegion: "cn-hangzhou", ackZones: ["cn-hangzhou-h"], ackInstanceTypes: ["ecs.g7.xlarge"] };
        withConfig({ ...ack, redisServiceType: "LoadBalancer", redisServiceSourceRanges: ["10.1.0.0/16"], redisServiceNodePort: 30079 });
        assert.deepStrictEqual(loadStackConfig(new pulumi.Config(), "prod").redis.endpoint, {
            type: "LoadBalancer",
            annotations: { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" },
            loadBalancerSourceRanges: ["10.1.0.0/16"],
            nodePorts: { redis: 30079 },
        });
        withConfig({ ...ack, redisServiceType: "LoadBalancer", redisServiceInternal: "false" });
        assert.deepStrictEqual(loadStackConfig(new pulumi.Config(), "prod").redis.endpoint, { type: "LoadBalancer" });
        // A NodePort is not a load balancer: nothing to make internal.
        withConfig({ ...ack, redisServiceType: "NodePort" });
        assert.deepStrictEqual(loadStackConfig(new pulumi.Config(), "prod").redis.endpoint, { type: "NodePort" });
    });

    it("is off for Memcached when `memcached` is false", () => {
        withConfig({ memcached: false });
        assert.strictEqual(loadStackConfig(new pulumi.Config(), "dev").memcached, undefined);
    });

    describe("names the key in every error, before anything is created", () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "an unknown cluster",
                { cluster: "minikube" },
                /^ArgumentError: config: `cluster` must be one of "kind", "ack", "existing"; got "minikube"\.$/,
            ],
            [
                "an unknown anti-affinity",
                { redisAntiAffinity: "sideways" },
                /^ArgumentError: config: `redisAntiAffinity` must be one of "preferred", "required"; got "sideways"\.$/,
            ],
            [
                "a fractional replica count",
                { redisReplicas: 2.5 },
                /^ArgumentError: config: `redisReplicas` must be an integer; got 2\.5\.$/,
            ],
            ["a number that is not one", { redisSentinels: "three" }, /kubecache:redisSentinels.*number/],
            [
                "a tri-state that is none of its states",
                { ackDeletionProtection: "maybe" },
                /^ArgumentError: config: `ackDeletionProtection` must be "true", "false" or "auto"; got "maybe"\.$/,
            ],
            [
                "an ACK cluster without a region",
                { cluster: "ack", ackZones: ["cn-hangzhou-h"], ackInstanceTypes: ["ecs.g7.xlarge"] },
                /^ArgumentError: config: `ackRegion` is required when `cluster` is "ack"\.$/,
            ],
            [
                "ACK zones that are not a list of strings",
                { cluster: "ack", ackZones: [1, 2] },
                /^ArgumentError: config: `ackZones` must be a list of strings; got \[1,2\]\.$/,
            ],
            [
                "a registry password without a registry",
                { registryPassword: "pw" },
                /^ArgumentError: config: `registryPassword` is set but `registryServer` is not; set both\.$/,
            ],
            [
                "an unknown platform",
                { operatorPlatform: "windows/amd64" },
                /^ArgumentError: config: `operatorPlatform` must be one of "linux\/amd64", "linux\/arm64"/,
            ],
            [
                "an endpoint Service type Kubernetes does not have",
                { redisServiceType: "Ingress" },
                /^ArgumentError: config: `redisServiceType` must be one of "ClusterIP", "NodePort", "LoadBalancer"; got "Ingress"\.$/,
            ],
            [
                "an internal SLB asked for on kind",
                { redisServiceType: "LoadBalancer", redisServiceInternal: "true" },
                /^ArgumentError: config: `redisServiceInternal` is for ack .* on a "kind" cluster use RedisSentinel's `service.annotations`/,
            ],
            [
                "source ranges on a ClusterIP endpoint",
                { redisServiceSourceRanges: ["10.0.0.0/8"] },
                /^ArgumentError: config: `redisServiceSourceRanges` needs `redisServiceType` LoadBalancer\.$/,
            ],
            [
                "source ranges on a NodePort endpoint",
                { redisServiceType: "NodePort", redisServiceSourceRanges: ["10.0.0.0/8"] },
                /^ArgumentError: config: `redisServiceSourceRanges` needs `redisServiceType` LoadBalancer\.$/,
            ],
            [
                "instances that are not a list",
                { memcachedInstances: { name: "a" } },
                /^ArgumentError: config: `memcachedInstances` must be a list of objects with a `name`/,
            ],
            [
                "an instance with a misspelt field",
                { memcachedInstances: [{ name: "a", sise: 2 }] },
                /^ArgumentError: config: `memcachedInstances` entry 0 has unknown field\(s\) sise/,
            ],
            [
                "an instance with a string size",
                { memcachedInstances: [{ name: "a", size: "2" }] },
                /^ArgumentError: config: `memcachedInstances` entry 0: `size` must be an integer/,
            ],
        ];
        for (const [what, values, pattern] of cases) {
            it(what, () => {
                withConfig(values);
                assert.throws(() => loadStackConfig(new pulumi.Config(), "dev"), pattern);
            });
        }
    });
});
