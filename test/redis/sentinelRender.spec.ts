// The Sentinel renderers on their own: every script passes a strict POSIX shell's syntax check, the
// agent's timings fit down-after, and HAProxy itself validates the in-cluster configuration.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    CHECK_MAP_SEED,
    CheckAuth,
    renderHaproxyAuthLua,
    renderHaproxyCfg,
    renderHaproxyLua,
    useServerCondition,
} from "../../components/redis/haproxy/config";
import { resolveSentinelArgs } from "../../components/redis/sentinel/args";
import { agentTiming, tiltPeriodMs, voterDelayMs } from "../../components/redis/sentinel/defaults";
import { statefulHosts } from "../../components/redis/sentinel/objects";
import { podSite, renderSentinelFiles } from "../../components/redis/sentinel/files";
import { skipUnlessInstalled, tempDir } from "../../harness/processes";

const nodes = statefulHosts("ha-node", "ha-headless", 3, "cache", 6379, "cluster.local");

describe("RedisSentinel renderers", () => {
    /** Object names of a set called `ha`, as RedisSentinel derives them. */
    const names = {
        data: "ha-node",
        headless: "ha-headless",
        sentinel: "ha-sentinel",
        sentinelHeadless: "ha-sentinel-headless",
        proxy: "ha-haproxy",
    };
    let dir = "";
    before(() => {
        dir = tempDir("sentinel-render");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("every script the set mounts is valid POSIX sh, and so is the topology.env they source", function () {
        skipUnlessInstalled(this, ["dash"]);
        const r = resolveSentinelArgs("ha", { namespace: "cache", tls: { enabled: true, secretName: "c" } });
        const files = renderSentinelFiles(r, podSite({ name: "ha", namespace: "cache", r, names }), true);
        const scripts = [...Object.entries(files.data), ...Object.entries(files.sentinel)].filter(([n]) => /\.(sh|env)$/.test(n));
        assert.deepStrictEqual([...new Set(scripts.map(([n]) => n))].sort(), [
            "agent-repair.sh",
            "agent-streams.sh",
            "agent.sh",
            "auth-reload.sh",
            "lib.sh",
            "prestop.sh",
            "runtime-conf.sh",
            "start.sh",
            "tls-reload.sh",
            "topology.env",
        ]);
        for (const [n, text] of scripts) {
            const file = path.join(dir, n);
            fs.writeFileSync(file, text);
            execFileSync("dash", ["-n", file]);
        }
        const env = files.data["topology.env"];
        assert.strictEqual(env, files.sentinel["topology.env"], "data and sentinel pods source the same values");
        assert.match(env, new RegExp(`^KC_NODES='${nodes.map(n => `${n.host.replace(/\./g, "\\.")}:6379`).join(" ")}'$`, "m"));
        assert.match(
            env,
            /^KC_CLI_ARGS='--tls --cacert \/etc\/redis\/tls\/ca\.crt --cert \/etc\/redis\/tls\/tls\.crt --key \/etc\/redis\/tls\/tls\.key'$/m,
        );
        assert.match(env, /^KC_BUDGET_CS='50'$/m, "the lease: fresh 150 ms + 350 ms at down-after 1500");
    });

    it("the agent fences within half of down-after, counting every delay", () => {
        for (const downAfter of [500, 1000, 1500, 5000]) {
            const t = agentTiming(downAfter);
            assert.ok(t.leaseMs > 0, `no lease left for down-after ${downAfter}`);
            assert.ok(t.freshMs + t.leaseMs + t.pollMs <= downAfter / 2, `down-after ${downAfter}: ${JSON.stringify(t)}`);
        }
    });

    it("a sentinel leaves TILT after three INFO periods or twice down-after, not Sentinel's 30 s", () => {
        assert.strictEqual(tiltPeriodMs(500), 3000);
        assert.strictEqual(tiltPeriodMs(1500), 3000);
        assert.strictEqual(tiltPeriodMs(5000), 10000);
        const r = resolveSentinelArgs("ha", { downAfterMilliseconds: 4000, failoverTimeoutMilliseconds: 9000 });
        const env = renderSentinelFiles(r, podSite({ name: "ha", namespace: "ns", r, names }), true).sentinel["topology.env"];
        assert.match(env, /^KC_SENTINEL_DEBUG='ping-period 300 ask-period 100 info-period 1000 tilt-period 8000'$/m);
    });

    it("sentinels past the quorum take a dead master for down later, so they vote instead of standing", () => {
        assert.strictEqual(voterDelayMs(1500), 500, "one PING period and two ask periods");
        assert.strictEqual(voterDelayMs(200), 400, "periods capped at down-after, as SENTINEL DEBUG gets them");
        const r = resolveSentinelArgs("ha", { sentinels: 5, downAfterMilliseconds: 3000, failoverTimeoutMilliseconds: 9000 });
        const env = renderSentinelFiles(r, podSite({ name: "ha", namespace: "ns", r, names }), true).sentinel["topology.env"];
        assert.match(env, /^KC_QUORUM='3'$/m);
        assert.match(env, /^KC_DOWN_AFTER_MS='3000'$/m);
        assert.match(env, /^KC_VOTER_DELAY_MS='500'$/m);
    });

    it("HAProxy accepts the in-cluster configuration (DNS names, resolvers, RESP AUTH, read endpoint)", function () {
        skipUnlessInstalled(this, ["haproxy"]);
        const file = path.join(dir, "haproxy.cfg");
        const lua = path.join(dir, "hold.lua");
        fs.writeFileSync(lua, renderHaproxyLua({ nodes: 3, holdMs: 4500 }));
        // The check password's loader, and its map, in both forms: the check user's own file, and derived from the
        // component's password (an existing Secret).
        const checkAuth = (derive: boolean): CheckAuth => ({
            luaFile: path.join(dir, `auth-${derive}.lua`),
            mapFile: path.join(dir, "check.map"),
            file: path.join(dir, "password"),
            derive,
        });
        fs.writeFileSync(path.join(dir, "check.map"), CHECK_MAP_SEED);
        fs.writeFileSync(path.join(dir, "password"), "x y");
        for (const derive of [false, true]) {
            fs.writeFileSync(checkAuth(derive).luaFile, renderHaproxyAuthLua(checkAuth(derive)));
            const cfg = renderHaproxyCfg({
                nodes,
                port: 16379,
                readPort: 16380,
                healthPort: 18888,
                auth: true,
                checkAuth: checkAuth(derive),
                dnsResolvers: true,
                luaFile: lua,
                holdMs: 4500,
            });
            fs.writeFileSync(file, cfg);
            const out = execFileSync("haproxy", ["-c", "-f", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
            assert.match(out, /Configuration file is valid/);
            // The previous password first, then the current one, looked up at each check; derived like the data nodes.
            const lookup = (key: string) =>
                `%[str(${key}),map(${checkAuth(derive).mapFile})${derive ? ",concat(,,:haproxy),sha2(256),hex,lower" : ""}]`;
            assert.ok(cfg.indexOf(lookup("previous")) < cfg.indexOf(lookup("check")) && cfg.indexOf(lookup("previous")) > 0, cfg);
            assert.match(cfg, new RegExp(`^ {4}lua-load ${checkAuth(derive).luaFile}$`, "m"));
        }
    });

    it("routes writes to one node only: role:master, writable, and no other node passing", () => {
        const cfg = renderHaproxyCfg({ nodes, port: 1, readPort: 3, healthPort: 2, auth: false });
        assert.strictEqual(
            useServerCondition(1, 3),
            "{ srv_is_up(redis_master/node1) } !{ srv_is_up(redis_master/node0) } !{ srv_is_up(redis_master/node2) }",
        );
        assert.ok(cfg.includes(`use-server node1 if ${useServerCondition(1, 3)}`));
        // One request per check: the probe DEL, INFO and QUIT pipelined, the replies matched in order from the start.
        // `#` escaped: unescaped, HAProxy reads the rest of the pattern as a comment and every reply matches.
        assert.ok(cfg.includes("rstring ^:[01]\\r\\n.[0-9]+\\r\\n\\#.Replication\\r\\nrole:master\\r\\n"), cfg);
        assert.ok(
            cfg.includes(
                'tcp-check send "*2\\r\\n\\x243\\r\\nDEL\\r\\n\\x2421\\r\\nkubecache:write-probe\\r\\n*2\\r\\n\\x244\\r\\nINFO\\r\\n\\x2411\\r\\nreplication\\r\\n*1\\r\\n\\x244\\r\\nQUIT\\r\\n"',
            ),
            cfg,
        );
        assert.strictEqual(cfg.match(/tcp-check send/g)?.length, 2, "one send per check (master and read endpoint)");
        assert.match(cfg, /^ {4}retries 0$/m);
        assert.match(
            cfg,
            /server node0 \S+ weight 0 on-marked-down shutdown-sessions observe layer4 error-limit 1 on-error mark-down check inter 500ms fastinter 100ms downinter 100ms/,
        );
        assert.match(cfg, /server master2 \S+ backup track redis_master\/node2/);
        assert.match(cfg, /^ {4}log stdout format raw local0 info$/m);
        assert.doesNotMatch(cfg, /AUTH|SENTINEL/);
        // With the Lua task (always, in the component), a node's sessions are cut when another takes writes, not
        // when its check fails: see the next test.
        const withLua = renderHaproxyCfg({
            nodes,
            port: 1,
            healthPort: 2,
            auth: true,
            checkAuth: { luaFile: "/x/auth.lua", mapFile: "/x/check.map", file: "/p", derive: false },
            luaFile: "/x/hold.lua",
            holdMs: 4500,
        });
        assert.match(withLua, /server node0 \S+ weight 0 observe layer4 error-limit 1 on-error mark-down check/);
        // One or two AUTH replies (an OK and, during a rotation, the other's WRONGPASS), then the DEL's.
        assert.ok(withLua.includes("rstring ^(\\+OK\\r\\n|-WRONGPASS[^\\r]*\\r\\n){1,2}:[01]\\r\\n"), withLua);
        assert.throws(() => renderHaproxyCfg({ nodes, port: 1, healthPort: 2, auth: true }), /`auth` needs `checkAuth`/);
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
        // Sessions move only when another node takes writes: a node that stops passing for a while keeps its clients.
        assert.match(
            lua,
            /if one_up and who ~= current then\n\s+for _, name in ipairs\(servers\) do\n\s+if name ~= who then backend\.servers\[name\]:shut_sess\(\) end/,
        );
    });
});
