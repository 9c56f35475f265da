// The Sentinel renderers on their own: every script passes a strict POSIX shell's syntax check, the
// agent's timings fit down-after, and HAProxy itself validates the in-cluster configuration.
import * as assert from "assert";
import { execFileSync } from "child_process";
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

describe("RedisSentinel renderers", () => {
    let dir = "";
    before(() => {
        dir = tempDir("sentinel-render");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("every script is valid POSIX sh", function () {
        if (!commandExists("dash")) {
            console.log("      skipped: dash (a strict POSIX sh) is not installed");
            this.skip();
        }
        const tuning = {
            masterName: "mymaster",
            quorum: 2,
            downAfterMilliseconds: 1500,
            failoverTimeoutMilliseconds: 3000,
            parallelSyncs: 1,
        };
        for (const [n, text] of Object.entries({
            data: renderDataStartScript({
                nodes,
                sentinels,
                masterName: "mymaster",
                configTemplate: "/c",
                runtimeDir: "/r",
                dataDir: "/data",
            }),
            sentinel: renderSentinelStartScript({
                nodes,
                sentinels,
                configTemplate: "/c",
                runtimeDir: "/r",
                masterWaitSeconds: 20,
                ...tuning,
            }),
            agent: renderAgentScript({
                nodes,
                sentinels,
                masterName: "mymaster",
                downAfterMilliseconds: 1500,
                failoverTimeoutMilliseconds: 3000,
                orphanSeconds: 10,
                stateDir: "/run/a",
            }),
            prestop: renderPreStopScript({
                nodes,
                sentinels,
                masterName: "mymaster",
                endpoint: { host: "ha.cache.svc.cluster.local", port: 6379 },
                budgetSeconds: 20,
            }),
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
        fs.writeFileSync(
            file,
            renderHaproxyCfg({
                nodes,
                port: 16379,
                readPort: 16380,
                healthPort: 18888,
                auth: true,
                dnsResolvers: true,
                luaFile: lua,
                holdMs: 4500,
            }),
        );
        const out = execFileSync("haproxy", ["-c", "-f", file], {
            encoding: "utf8",
            env: { ...process.env, REDIS_PASSWORD: "x y", REDIS_PASSWORD_LEN: "3" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        assert.match(out, /Configuration file is valid/);
    });

    it("routes writes to one node only: role:master, writable, and no other node passing", () => {
        const cfg = renderHaproxyCfg({ nodes, port: 1, readPort: 3, healthPort: 2, auth: false });
        assert.strictEqual(
            useServerCondition(1, 3),
            "{ srv_is_up(redis_master/node1) } !{ srv_is_up(redis_master/node0) } !{ srv_is_up(redis_master/node2) }",
        );
        assert.ok(cfg.includes(`use-server node1 if ${useServerCondition(1, 3)}`));
        // `#` escaped: unescaped, HAProxy reads the rest of the pattern as a comment and every reply matches.
        assert.ok(cfg.includes("rstring ^.[0-9]+\\r\\n\\#.Replication\\r\\nrole:master\\r\\n"), cfg);
        assert.ok(cfg.includes('tcp-check send "*2\\r\\n\\x243\\r\\nDEL\\r\\n\\x2421\\r\\nkubecache:write-probe\\r\\n"'), cfg);
        assert.match(cfg, /^ {4}retries 0$/m);
        assert.match(
            cfg,
            /server node0 \S+ weight 0 on-marked-down shutdown-sessions observe layer4 error-limit 1 on-error mark-down check inter 500ms fastinter 100ms downinter 100ms/,
        );
        assert.match(cfg, /server master2 \S+ backup track redis_master\/node2/);
        assert.match(cfg, /^ {4}log stdout format raw local0 info$/m);
        assert.doesNotMatch(cfg, /AUTH|SENTINEL/);
    });

    it("holds clients while no node takes writes, for at most one failover", () => {
        const cfg = renderHaproxyCfg({ nodes, port: 1, healthPort: 2, auth: false, luaFile: "/x/hold.lua", holdMs: 4500 });
        assert.match(cfg, /^ {4}lua-load \/x\/hold\.lua$/m);
        assert.match(
            cfg,
            /^frontend redis\n {4}bind :1\n {4}tcp-request inspect-delay 5500ms\n {4}tcp-request content lua\.hold_until_master$/m,
        );
        const lua = renderHaproxyLua({ nodes: 3, holdMs: 4500 });
        assert.match(lua, /local servers = \{ "node0", "node1", "node2" \}/);
        assert.match(lua, /while not one_up and waited < 4500 do/);
        assert.match(lua, /"DRAIN"/, "weight-0 servers report DRAIN when their checks pass");
    });
});
