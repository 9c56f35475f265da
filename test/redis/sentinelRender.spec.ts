// The Sentinel renderers on their own: the data-aware bootstrap runs for real in sh against a stub
// redis-cli, every script passes a strict POSIX shell's syntax check, and HAProxy itself validates
// the in-cluster configuration.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderHaproxyCfg, renderHaproxyLua, useServerCondition } from "../../components/redis/haproxyConfig";
import { renderAgentScript } from "../../components/redis/sentinelAgent";
import { agentTiming } from "../../components/redis/sentinelDefaults";
import { statefulHosts } from "../../components/redis/sentinelObjects";
import { renderPreStopScript } from "../../components/redis/sentinelPreStop";
import { renderDataStartScript, renderSentinelStartScript } from "../../components/redis/sentinelScripts";
import { commandExists, tempDir } from "../support/processes";

const nodes = statefulHosts("ha-node", "ha-headless", 3, "cache", 6379, "cluster.local");
const sentinels = statefulHosts("ha-sentinel", "ha-sentinel-headless", 3, "cache", 26379, "cluster.local");
const esc = (s: string) => s.replace(/\./g, "\\.");

interface World {
    /** What sentinels 0..n-1 answer for the master (`host port`), undefined when one does not answer. */
    sentinels?: (string | undefined)[];
    /** Data nodes that answer: host → [role, keys]. */
    peers?: Record<string, [string, number]>;
    /** Files in this node's data directory. */
    localData?: boolean;
}

describe("RedisSentinel renderers", () => {
    let dir = "";
    before(() => { dir = tempDir("sentinel-render"); });
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
        const answers = (world.sentinels ?? []).map((a, i) => a === undefined ? "" : `  *"-h ${sentinels[i].host} "*SENTINEL*) echo "${a.split(" ")[0]}"; echo "${a.split(" ")[1]}"; exit 0 ;;`);
        const peers = Object.entries(world.peers ?? {}).map(([host, [role, keys]]) =>
            `  *"-h ${host} "*"INFO replication keyspace"*) printf "# Replication\\r\\nrole:${role}\\r\\nmaster_repl_offset:${role === "master" ? 100 : 90}\\r\\n# Keyspace\\r\\n${keys > 0 ? `db0:keys=${keys},expires=0,avg_ttl=0\\r\\n` : ""}"; exit 0 ;;`);
        fs.writeFileSync(path.join(bin, "redis-cli"), ["#!/bin/sh", 'case "$* " in', ...answers, ...peers, "esac", "exit 1"].join("\n"), { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "fake-redis-server"), '#!/bin/sh\ncat "$1"\n', { mode: 0o755 });
        const data = path.join(run, "data");
        fs.mkdirSync(data);
        if (world.localData) fs.writeFileSync(path.join(data, "dump.rdb"), "REDIS0009");
        const template = path.join(run, "redis.conf");
        fs.writeFileSync(template, "port 6379\n");
        const script = path.join(run, "start.sh");
        fs.writeFileSync(script, renderDataStartScript({
            nodes, sentinels, masterName: "mymaster", configTemplate: template, runtimeDir: path.join(run, "run"), dataDir: data,
            peerWaitSeconds: 1, redisServer: path.join(bin, "fake-redis-server"), probeTimeoutSeconds: 1,
        }));
        const r = spawnSync("sh", [script], {
            encoding: "utf8", timeout: waitMs,
            env: { PATH: `${bin}:${process.env.PATH}`, HOSTNAME: `ha-node-${ordinal}`, REDIS_PASSWORD: "pw" },
        });
        return r.signal ? undefined : r.stdout;
    }
    const replicaOf = (conf: string | undefined, n: { host: string; port: number }) =>
        assert.match(conf ?? "(still waiting)", new RegExp(`^replicaof ${esc(n.host)} ${n.port}$`, "m"));
    const all = (a: string) => [a, a, a];

    it("follows the master a majority of sentinels name, once it answers as master", () => {
        const conf = bootstrap(0, { sentinels: all(`${nodes[2].host} 6379`), peers: { [nodes[2].host]: ["master", 5] } });
        replicaOf(conf, nodes[2]);
        assert.match(conf!, new RegExp(`^replica-announce-ip ${esc(nodes[0].host)}$`, "m"));
        assert.match(conf!, /^requirepass "pw"$/m);
    });

    it("waits while the master the sentinels name does not answer as master yet", () => {
        assert.strictEqual(bootstrap(0, { sentinels: all(`${nodes[2].host} 6379`), peers: { [nodes[1].host]: ["slave", 5] } }, 1500), undefined);
    });

    it("a node the sentinels still name master stays down while a peer holds data, and starts as master when none does", () => {
        const self = `${nodes[1].host} 6379`;
        assert.strictEqual(bootstrap(1, { sentinels: all(self), peers: { [nodes[0].host]: ["slave", 10000] } }, 1500), undefined,
            "an empty node became master while a peer held data");
        const conf = bootstrap(1, { sentinels: all(self), peers: { [nodes[0].host]: ["slave", 0], [nodes[2].host]: ["slave", 0] } });
        assert.ok(conf !== undefined && !/^replicaof/m.test(conf), `did not start as master:\n${conf}`);
    });

    it("one sentinel is not a majority: its answer alone decides nothing", () => {
        const conf = bootstrap(0, { sentinels: [`${nodes[0].host} 6379`, undefined, undefined], peers: { [nodes[1].host]: ["master", 3] } });
        replicaOf(conf, nodes[1]);
    });

    it("without a sentinel majority it follows a peer that reports role:master, even on ordinal 0", () => {
        replicaOf(bootstrap(0, { peers: { [nodes[1].host]: ["master", 1] } }), nodes[1]);
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

    it("every script is valid POSIX sh", function () {
        if (!commandExists("dash")) {
            console.log("      skipped: dash (a strict POSIX sh) is not installed");
            this.skip();
        }
        const tuning = { masterName: "mymaster", quorum: 2, downAfterMilliseconds: 1500, failoverTimeoutMilliseconds: 3000, parallelSyncs: 1 };
        for (const [n, text] of Object.entries({
            data: renderDataStartScript({ nodes, sentinels, masterName: "mymaster", configTemplate: "/c", runtimeDir: "/r", dataDir: "/data" }),
            sentinel: renderSentinelStartScript({ nodes, sentinels, configTemplate: "/c", runtimeDir: "/r", masterWaitSeconds: 20, ...tuning }),
            agent: renderAgentScript({ nodes, sentinels, masterName: "mymaster", downAfterMilliseconds: 1500, failoverTimeoutMilliseconds: 3000, orphanSeconds: 10, stateDir: "/run/a" }),
            prestop: renderPreStopScript({ nodes, sentinels, masterName: "mymaster", endpoint: { host: "ha.cache.svc.cluster.local", port: 6379 }, budgetSeconds: 20 }),
        })) {
            const file = path.join(dir, `${n}.sh`);
            fs.writeFileSync(file, text);
            execFileSync("dash", ["-n", file]);
        }
    });

    it("the agent fences within half of down-after, counting every delay", () => {
        for (const downAfter of [500, 1000, 1500, 5000]) {
            const t = agentTiming(downAfter);
            assert.ok(t.leaseMs > 0, `no lease left for down-after ${downAfter}`);
            assert.ok(t.freshMs + t.leaseMs + t.pollMs <= downAfter / 2, `down-after ${downAfter}: ${JSON.stringify(t)}`);
        }
    });

    it("HAProxy accepts the in-cluster configuration (DNS names, resolvers, RESP AUTH, read endpoint)", function () {
        if (!commandExists("haproxy")) {
            console.log("      skipped: haproxy is not installed (run scripts/setup.sh)");
            this.skip();
        }
        const file = path.join(dir, "haproxy.cfg");
        const lua = path.join(dir, "hold.lua");
        fs.writeFileSync(lua, renderHaproxyLua({ nodes: 3, holdMs: 4500 }));
        fs.writeFileSync(file, renderHaproxyCfg({ nodes, port: 16379, readPort: 16380, healthPort: 18888, auth: true, dnsResolvers: true, luaFile: lua, holdMs: 4500 }));
        const out = execFileSync("haproxy", ["-c", "-f", file], { encoding: "utf8", env: { ...process.env, REDIS_PASSWORD: "x y", REDIS_PASSWORD_LEN: "3" }, stdio: ["ignore", "pipe", "pipe"] });
        assert.match(out, /Configuration file is valid/);
    });

    it("routes writes to one node only: role:master, writable, and no other node passing", () => {
        const cfg = renderHaproxyCfg({ nodes, port: 1, readPort: 3, healthPort: 2, auth: false });
        assert.strictEqual(useServerCondition(1, 3), "{ srv_is_up(redis_master/node1) } !{ srv_is_up(redis_master/node0) } !{ srv_is_up(redis_master/node2) }");
        assert.ok(cfg.includes(`use-server node1 if ${useServerCondition(1, 3)}`));
        // `#` escaped: unescaped, HAProxy reads the rest of the pattern as a comment and every reply matches.
        assert.ok(cfg.includes("rstring ^.[0-9]+\\r\\n\\#.Replication\\r\\nrole:master\\r\\n"), cfg);
        assert.ok(cfg.includes('tcp-check send "*2\\r\\n\\x243\\r\\nDEL\\r\\n\\x2421\\r\\nkubecache:write-probe\\r\\n"'), cfg);
        assert.match(cfg, /^ {4}retries 0$/m);
        assert.match(cfg, /server node0 \S+ weight 0 on-marked-down shutdown-sessions observe layer4 error-limit 1 on-error mark-down check inter 500ms fastinter 100ms downinter 100ms/);
        assert.match(cfg, /server master2 \S+ backup track redis_master\/node2/);
        assert.match(cfg, /^ {4}log stdout format raw local0 info$/m);
        assert.doesNotMatch(cfg, /AUTH|SENTINEL/);
    });

    it("holds clients while no node takes writes, for at most one failover", () => {
        const cfg = renderHaproxyCfg({ nodes, port: 1, healthPort: 2, auth: false, luaFile: "/x/hold.lua", holdMs: 4500 });
        assert.match(cfg, /^ {4}lua-load \/x\/hold\.lua$/m);
        assert.match(cfg, /^frontend redis\n {4}bind :1\n {4}tcp-request inspect-delay 5500ms\n {4}tcp-request content lua\.hold_until_master$/m);
        const lua = renderHaproxyLua({ nodes: 3, holdMs: 4500 });
        assert.match(lua, /local servers = \{ "node0", "node1", "node2" \}/);
        assert.match(lua, /while not one_up and waited < 4500 do/);
        assert.match(lua, /"DRAIN"/, "weight-0 servers report DRAIN when their checks pass");
    });
});
