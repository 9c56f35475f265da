// The data-aware bootstrap of RedisSentinel's data nodes, run for real in sh against a stub redis-cli
// that plays the sentinels and the peers: who a starting node follows, when it waits, when it starts
// detached, when it may start a fresh data set.
import * as assert from "assert";
import * as crypto from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { resolveSentinelArgs } from "../../components/redis/sentinel/args";
import { podSite, renderSentinelFiles } from "../../components/redis/sentinel/files";
import { statefulHosts } from "../../components/redis/sentinel/objects";
import { tempDir } from "../../harness/processes";

const nodes = statefulHosts("ha-node", "ha-headless", 3, "cache", 6379, "cluster.local");
const sentinels = statefulHosts("ha-sentinel", "ha-sentinel-headless", 3, "cache", 26379, "cluster.local");
const esc = (s: string) => s.replace(/\./g, "\\.");
const NAMES = {
    data: "ha-node",
    headless: "ha-headless",
    sentinel: "ha-sentinel",
    sentinelHeadless: "ha-sentinel-headless",
    proxy: "ha-haproxy",
};

interface World {
    /** What sentinels 0..n-1 answer for the master (`host port`), undefined when one does not answer. */
    sentinels?: (string | undefined)[];
    /** Data nodes that answer: host → [role, keys]. */
    peers?: Record<string, [string, number]>;
    /** Files in this node's data directory. */
    localData?: boolean;
    /** Instances (host names) that answer but refuse the password (a rotation this pod's peers have not taken yet). */
    refusing?: string[];
}

describe("RedisSentinel data-aware bootstrap (start script against a stub redis-cli)", () => {
    let dir = "";
    before(() => {
        dir = tempDir("sentinel-bootstrap");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * Runs the data-node start script of `ordinal` in `world` with a stub redis-cli. The stub
     * redis-server prints the final config, so the test reads the decision from it; undefined when
     * the script was still waiting after `waitMs`.
     */
    function bootstrap(ordinal: number, world: World, waitMs = 4000): string | undefined {
        const run = fs.mkdtempSync(path.join(dir, "run-"));
        const bin = path.join(run, "bin");
        fs.mkdirSync(bin);
        const answers = (world.sentinels ?? []).map((a, i) =>
            a === undefined
                ? ""
                : `  *"-h ${sentinels[i].host} "*SENTINEL*) echo "${a.split(" ")[0]}"; echo "${a.split(" ")[1]}"; exit 0 ;;`,
        );
        const peers = Object.entries(world.peers ?? {}).map(
            ([host, [role, keys]]) =>
                `  *"-h ${host} "*"INFO replication keyspace"*) printf "# Replication\\r\\nrole:${role}\\r\\nmaster_repl_offset:${role === "master" ? 100 : 90}\\r\\n# Keyspace\\r\\n${keys > 0 ? `db0:keys=${keys},expires=0,avg_ttl=0\\r\\n` : ""}"; exit 0 ;;`,
        );
        const refusing = (world.refusing ?? []).map(host => `  *"-h ${host} "*) echo "NOAUTH Authentication required."; exit 0 ;;`);
        fs.writeFileSync(
            path.join(bin, "redis-cli"),
            ["#!/bin/sh", 'case "$* " in', ...refusing, ...answers, ...peers, "esac", "exit 1"].join("\n"),
            {
                mode: 0o755,
            },
        );
        fs.writeFileSync(path.join(bin, "fake-redis-server"), '#!/bin/sh\ncat "$1"\n', { mode: 0o755 });
        const data = path.join(run, "data");
        fs.mkdirSync(data);
        if (world.localData) fs.writeFileSync(path.join(data, "dump.rdb"), "REDIS0009");
        // The component's own files for a data pod, rendered for this folder.
        const r = resolveSentinelArgs("ha", { namespace: "cache" });
        const site = {
            ...podSite({ name: "ha", namespace: "cache", r, names: NAMES }),
            confDir: run,
            runtimeDir: path.join(run, "run"),
            dataDir: data,
            stateDir: path.join(run, "agent"),
            peerWaitSeconds: 1,
            probeTimeoutSeconds: 1,
            // No password files here (the password comes from REDIS_PASSWORD), so no rotation loop outlives the stub.
            authDir: "",
        };
        for (const [name, text] of Object.entries(renderSentinelFiles(r, site, true).data)) fs.writeFileSync(path.join(run, name), text);
        const script = path.join(run, "start.sh");
        const out = spawnSync("sh", [script], {
            encoding: "utf8",
            timeout: waitMs,
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                HOSTNAME: `ha-node-${ordinal}`,
                REDIS_PASSWORD: "pw",
                KC_SERVER: path.join(bin, "fake-redis-server"),
            },
        });
        return out.signal ? undefined : out.stdout;
    }
    const replicaOf = (conf: string | undefined, n: { host: string; port: number }) =>
        assert.match(conf ?? "(still waiting)", new RegExp(`^replicaof ${esc(n.host)} ${n.port}$`, "m"));
    const all = (a: string) => [a, a, a];

    it("follows the master a majority of sentinels name, once it answers as master", () => {
        const conf = bootstrap(0, { sentinels: all(`${nodes[2].host} 6379`), peers: { [nodes[2].host]: ["master", 5] } });
        replicaOf(conf, nodes[2]);
        assert.match(conf!, new RegExp(`^replica-announce-ip ${esc(nodes[0].host)}$`, "m"));
        // The password reaches Redis through the ACL file the script writes, hashed, never in redis.conf.
        const aclPath = /^aclfile (.+)$/m.exec(conf!)?.[1];
        assert.ok(aclPath, "redis.conf names an aclfile");
        const acl = fs.readFileSync(aclPath, "utf8");
        const sha = crypto.createHash("sha256").update("pw").digest("hex");
        assert.match(acl, new RegExp(`^user default on #${sha} `, "m"));
        assert.doesNotMatch(`${conf}\n${acl}`, /\bpw\b|requirepass/);
    });

    it("waits while the master the sentinels name does not answer as master yet", () => {
        assert.strictEqual(
            bootstrap(0, { sentinels: all(`${nodes[2].host} 6379`), peers: { [nodes[1].host]: ["slave", 5] } }, 1500),
            undefined,
        );
    });

    it("a node the sentinels still name master stays down while a peer holds data, and starts as master when none does", () => {
        const self = `${nodes[1].host} 6379`;
        assert.strictEqual(
            bootstrap(1, { sentinels: all(self), peers: { [nodes[0].host]: ["slave", 10000] } }, 1500),
            undefined,
            "an empty node became master while a peer held data",
        );
        const conf = bootstrap(1, { sentinels: all(self), peers: { [nodes[0].host]: ["slave", 0], [nodes[2].host]: ["slave", 0] } });
        assert.ok(conf !== undefined && !/^replicaof/m.test(conf), `did not start as master:\n${conf}`);
    });

    it("one sentinel is not a majority: its answer alone decides nothing", () => {
        const conf = bootstrap(0, {
            sentinels: [`${nodes[0].host} 6379`, undefined, undefined],
            peers: { [nodes[1].host]: ["master", 3] },
        });
        replicaOf(conf, nodes[1]);
    });

    it("without a sentinel majority it follows a peer that reports role:master, even on ordinal 0", () => {
        replicaOf(bootstrap(0, { peers: { [nodes[1].host]: ["master", 1] } }), nodes[1]);
    });

    it("waits while a peer answers but refuses its password (created during a rotation), instead of starting detached or fresh", () => {
        const world = { peers: { [nodes[1].host]: ["slave", 10000] as [string, number] }, refusing: sentinels.map(s => s.host) };
        assert.strictEqual(bootstrap(0, world, 2500), undefined, "started while the sentinels refused its password");
        assert.strictEqual(bootstrap(0, { refusing: [nodes[1].host, nodes[2].host] }, 2500), undefined, "started a fresh data set");
        replicaOf(bootstrap(0, { peers: world.peers }), { host: "127.0.0.1", port: 1 });
    });

    it("with no master anywhere but data on a peer or on disk, it starts detached for the agents to promote the best copy", () => {
        replicaOf(bootstrap(0, { peers: { [nodes[1].host]: ["slave", 10000] } }), { host: "127.0.0.1", port: 1 });
        replicaOf(bootstrap(2, { localData: true }), { host: "127.0.0.1", port: 1 });
    });

    it("never follows an empty master while it may hold data itself", () => {
        const conf = bootstrap(1, { sentinels: all(`${nodes[0].host} 6379`), peers: { [nodes[0].host]: ["master", 0] }, localData: true });
        replicaOf(conf, { host: "127.0.0.1", port: 1 });
    });

    it("when no node holds data, ordinal 0 starts a fresh data set once its peers answer (or after a wait) and the others follow it", () => {
        const fresh = bootstrap(0, { peers: { [nodes[1].host]: ["slave", 0], [nodes[2].host]: ["slave", 0] } });
        assert.ok(fresh !== undefined && !/^replicaof/m.test(fresh), `ordinal 0 did not start as master:\n${fresh}`);
        const t0 = Date.now();
        const alone = bootstrap(0, {});
        assert.ok(alone !== undefined && Date.now() - t0 >= 900, "ordinal 0 did not wait for its peers");
        replicaOf(bootstrap(2, {}), nodes[0]);
    });
});
