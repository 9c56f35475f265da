// The Sentinel renderers on their own: the bootstrap decisions run for real in sh against a stub
// redis-cli, and HAProxy itself validates the in-cluster configuration.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { literalRegex, renderHaproxyCfg, sentinelMajority } from "../../components/redis/haproxyConfig";
import { statefulHosts } from "../../components/redis/sentinelObjects";
import { renderDataStartScript, renderSentinelStartScript } from "../../components/redis/sentinelScripts";
import { commandExists, tempDir } from "../support/processes";

const nodes = statefulHosts("ha-node", "ha-headless", 3, "cache", 6379, "cluster.local");
const sentinels = statefulHosts("ha-sentinel", "ha-sentinel-headless", 3, "cache", 26379, "cluster.local");

describe("RedisSentinel renderers", () => {
    let dir = "";
    before(() => { dir = tempDir("sentinel-render"); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * Runs the data-node start script with a stub redis-cli: `sentinelSays` is what every sentinel
     * answers (or nothing), `masterPeer` the one peer reporting role:master. The stub redis-server
     * prints the final config, so the test reads the decision from it.
     */
    function bootstrap(ordinal: number, sentinelSays?: string, masterPeer?: string, selfWait = 1): string {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "redis-cli"), [
            "#!/bin/sh",
            'case "$*" in',
            '  *SENTINEL*) [ -n "$STUB_SENTINEL" ] || exit 1; printf "%s\\n" $STUB_SENTINEL ;;',
            '  *INFO*) case "$*" in *"-h $STUB_PEER "*) printf "# Replication\\r\\nrole:master\\r\\n" ;; *) printf "# Replication\\r\\nrole:slave\\r\\n" ;; esac ;;',
            "esac",
        ].join("\n"), { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "fake-redis-server"), '#!/bin/sh\ncat "$1"\n', { mode: 0o755 });
        const template = path.join(dir, "redis.conf");
        fs.writeFileSync(template, "port 6379\n");
        const script = path.join(dir, "start.sh");
        fs.writeFileSync(script, renderDataStartScript({
            nodes, sentinels, masterName: "mymaster", configTemplate: template, runtimeDir: path.join(dir, `run${ordinal}`),
            selfMasterWaitSeconds: selfWait, redisServer: path.join(bin, "fake-redis-server"),
        }));
        return execFileSync("sh", [script], {
            encoding: "utf8", timeout: 10000,
            env: {
                PATH: `${bin}:${process.env.PATH}`, HOSTNAME: `ha-node-${ordinal}`, REDIS_PASSWORD: "pw",
                STUB_SENTINEL: sentinelSays ?? "", STUB_PEER: masterPeer ?? "none",
            },
        });
    }

    it("a starting node replicates from the master the sentinels name", () => {
        const conf = bootstrap(0, `${nodes[2].host} 6379`);
        assert.match(conf, new RegExp(`^replicaof ${nodes[2].host.replace(/\./g, "\\.")} 6379$`, "m"));
        assert.match(conf, new RegExp(`^replica-announce-ip ${nodes[0].host.replace(/\./g, "\\.")}$`, "m"));
        assert.match(conf, /^requirepass "pw"$/m);
    });

    it("without a sentinel answer it follows a peer that reports role:master, even on ordinal 0", () => {
        const conf = bootstrap(0, undefined, nodes[1].host);
        assert.match(conf, new RegExp(`^replicaof ${nodes[1].host.replace(/\./g, "\\.")} 6379$`, "m"));
    });

    it("only when nobody knows a master does ordinal 0 start as master; others follow ordinal 0", () => {
        assert.doesNotMatch(bootstrap(0), /^replicaof/m);
        assert.match(bootstrap(2), new RegExp(`^replicaof ${nodes[0].host.replace(/\./g, "\\.")} 6379$`, "m"));
    });

    it("a node the sentinels still name master waits for their failover before starting as master", () => {
        const t0 = Date.now();
        const conf = bootstrap(1, `${nodes[1].host} 6379`, undefined, 1);
        assert.ok(Date.now() - t0 >= 950, "did not wait");
        assert.doesNotMatch(conf, /^replicaof/m);
    });

    it("start scripts are valid POSIX sh", function () {
        if (!commandExists("dash")) {
            console.log("      skipped: dash (a strict POSIX sh) is not installed");
            this.skip();
        }
        const tuning = { masterName: "mymaster", quorum: 2, downAfterMilliseconds: 1000, failoverTimeoutMilliseconds: 3000, parallelSyncs: 1 };
        for (const [n, text] of Object.entries({
            data: renderDataStartScript({ nodes, sentinels, masterName: "mymaster", configTemplate: "/c", runtimeDir: "/r", selfMasterWaitSeconds: 9 }),
            sentinel: renderSentinelStartScript({ nodes, sentinels, configTemplate: "/c", runtimeDir: "/r", ...tuning }),
        })) {
            const file = path.join(dir, `${n}.sh`);
            fs.writeFileSync(file, text);
            execFileSync("dash", ["-n", file]);
        }
    });

    it("HAProxy accepts the in-cluster configuration (DNS names, resolvers, RESP AUTH)", function () {
        if (!commandExists("haproxy")) {
            console.log("      skipped: haproxy is not installed (run scripts/setup.sh)");
            this.skip();
        }
        const file = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(file, renderHaproxyCfg({ nodes, sentinels, masterName: "mymaster", port: 16379, healthPort: 18888, auth: true, dnsResolvers: true }));
        const out = execFileSync("haproxy", ["-c", "-f", file], { encoding: "utf8", env: { ...process.env, REDIS_PASSWORD: "x y", REDIS_PASSWORD_LEN: "3" }, stdio: ["ignore", "pipe", "pipe"] });
        assert.match(out, /Configuration file is valid/);
    });

    it("matches the sentinels' whole answer for one node and requires a majority of them", () => {
        const cfg = renderHaproxyCfg({ nodes, sentinels: [...sentinels, ...sentinels.slice(0, 2)], masterName: "m", port: 1, healthPort: 2, auth: false });
        const len = 4 + `$${nodes[1].host.length}\r\n${nodes[1].host}\r\n$4\r\n6379\r\n`.length;
        assert.ok(cfg.includes(`tcp-check expect min-recv ${len} rstring ^[*]2\\r\\n[$]${nodes[1].host.length}\\r\\nha-node-1[.]ha-headless`), cfg);
        assert.match(cfg, /nbsrv\(sentinels_name_node1\) ge 3 \}/);
        assert.doesNotMatch(cfg, /AUTH/);
        assert.deepStrictEqual([3, 5, 7].map(sentinelMajority), [2, 3, 4]);
        assert.strictEqual(literalRegex("10.0.0.1"), "10[.]0[.]0[.]1");
        assert.throws(() => literalRegex("a b"), /not a host name/);
    });
});
