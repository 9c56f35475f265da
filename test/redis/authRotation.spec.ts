// Password rotation without a restart, as the components render it: the Secret's data in a patch (an update in
// place), the password files mounted where the kubelet keeps them current, every reader pointed at them; and the
// rotation rules of scripts/auth-reload.sh run one by one under a strict POSIX sh.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { derivedPassword, exporterPasswords } from "../../components/redis/auth";
import { shellScript } from "../../components/redis/scripts";
import { skipUnlessInstalled, tempDir } from "../../harness/processes";
import { authData, findAll, findCreated, resetRecorded, settle } from "../support/mocks";
import { CONFIGMAP, SECRET, TOPOLOGIES, dataFile, podSpecs } from "./topologies";

const PATCH = "kubernetes:core/v1:SecretPatch";
const USERS = [
    { name: "app", rules: "~app:* +@read" },
    { name: "ops", rules: "+@all", passwordSecret: { name: "ops-secret", key: "pw" } },
];

describe("password rotation: what the components render", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("keeps the password in a patch of the Secret (updated in place), and mounts every password file where the kubelet keeps it current", async () => {
                t.make("rot", { auth: { password: "p1" }, users: USERS, metrics: { enabled: true } });
                await settle();
                assert.strictEqual(findCreated(SECRET, "rot-auth").inputs.stringData, undefined);
                assert.strictEqual(findCreated(SECRET, "rot-auth").inputs.data, undefined);
                const patch = findCreated(PATCH, "rot-auth-data");
                assert.strictEqual(patch.inputs.metadata.name, "rot-auth");
                assert.strictEqual(patch.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
                assert.deepStrictEqual(authData("rot"), {
                    "redis-password": "p1",
                    "haproxy-password": derivedPassword("p1", "haproxy"),
                    "exporter-passwords.json": exporterPasswords("p1"),
                });
                for (const { at, spec } of podSpecs(t, "rot", "data")) {
                    const auth = spec.volumes.find((v: any) => v.name === "auth");
                    assert.ok(auth?.projected, `${at}: no projected auth volume`);
                    assert.deepStrictEqual(
                        auth.projected.sources.map((s: any) => [s.secret.name, s.secret.items]),
                        [
                            ["rot-auth", ["redis-password", "haproxy-password", "exporter-passwords.json"].map(k => ({ key: k, path: k }))],
                            ["rot-user-app", [{ key: "password", path: "KUBECACHE_USER_0_PASSWORD" }]],
                            ["ops-secret", [{ key: "pw", path: "KUBECACHE_USER_1_PASSWORD" }]],
                        ],
                        at,
                    );
                    for (const c of spec.containers) {
                        assert.ok(
                            c.volumeMounts.some((m: any) => m.name === "auth" && m.mountPath === "/etc/kubecache/auth" && m.readOnly),
                            `${at}: ${c.name} does not mount the password files`,
                        );
                    }
                    // Probes log in with the file's password (current through a rotation), else the start's variable.
                    const redis = spec.containers.find((c: any) => c.name === "redis");
                    assert.match(
                        redis.readinessProbe.exec.command[2],
                        /^\{ \[ -s \/etc\/kubecache\/auth\/redis-password \] && REDISCLI_AUTH=\$\(cat/,
                    );
                }
                const env = dataFile(t, "rot", "topology.env");
                assert.match(env, /^KC_AUTH_DIR='\/etc\/kubecache\/auth'$/m);
                assert.match(env, /^KC_AUTH_GRACE_SECONDS='120'$/m);
                assert.ok(dataFile(t, "rot", "auth-reload.sh").includes("auth_reload_start()"));
            });

            it("with an existing Secret, mounts only its redis-password and leaves the exporter on REDIS_PASSWORD", async () => {
                t.make("ex", { auth: { existingSecret: "mine" }, metrics: { enabled: true } });
                await settle();
                assert.strictEqual(findAll(PATCH).length, 0, "an existing Secret is the user's: nothing patches it");
                for (const { at, spec } of podSpecs(t, "ex", "data")) {
                    const auth = spec.volumes.find((v: any) => v.name === "auth");
                    assert.deepStrictEqual(auth.projected.sources, [
                        { secret: { name: "mine", items: [{ key: "redis-password", path: "redis-password" }] } },
                    ]);
                    const exp = spec.containers.find((c: any) => c.name === "metrics");
                    assert.deepStrictEqual(
                        exp.env.map((e: any) => e.name),
                        ["REDIS_PASSWORD"],
                        at,
                    );
                    assert.ok(!exp.args.some((a: string) => a.startsWith("-redis.password-file")), at);
                }
            });

            it("without auth mounts no password files", async () => {
                t.make("na", { auth: { enabled: false } });
                await settle();
                for (const { at, spec } of podSpecs(t, "na")) assert.ok(!spec.volumes.some((v: any) => v.name === "auth"), at);
            });
        });
    }

    it("RedisSentinel: HAProxy derives the check password from an existing Secret's redis-password, as the data nodes do", async () => {
        TOPOLOGIES[2].make("hx", { auth: { existingSecret: "mine" } });
        await settle();
        const files = findCreated(CONFIGMAP, "hx-haproxy-config").inputs.data;
        assert.match(files["auth.lua"], /^local file = "\/etc\/kubecache\/auth\/redis-password"$/m);
        assert.ok(files["haproxy.cfg"].includes(",concat(,,:haproxy),sha2(256),hex,lower]"));
    });
});

describe("password rotation: scripts/auth-reload.sh, rule by rule (dash)", () => {
    let dir = "";
    before(function () {
        skipUnlessInstalled(this, ["dash"]);
        dir = tempDir("auth-reload");
        fs.writeFileSync(path.join(dir, "auth-reload.sh"), shellScript("scripts/auth-reload.sh"));
        fs.writeFileSync(path.join(dir, "runtime-conf.sh"), shellScript("scripts/runtime-conf.sh"));
        fs.writeFileSync(
            path.join(dir, "users.list"),
            "default @password ~* +@all\nreplication @derived +psync\napp KUBECACHE_USER_0_PASSWORD ~app:*\n",
        );
        fs.mkdirSync(path.join(dir, "auth"));
        fs.writeFileSync(path.join(dir, "redis.conf"), "port 6379\n");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const sh = (script: string, env: Record<string, string> = {}) =>
        execFileSync("dash", ["-c", `set -eu; . ./auth-reload.sh; . ./runtime-conf.sh; ${script}`], {
            cwd: dir,
            encoding: "utf8",
            env: { PATH: process.env.PATH, KC_AUTH_DIR: path.join(dir, "auth"), KC_RUNTIME_DIR: path.join(dir, "run"), ...env },
        });
    const hash = (p: string) => require("crypto").createHash("sha256").update(p).digest("hex");

    it("reads the passwords from the mounted files, the application user's by its variable's name, else the environment", () => {
        fs.writeFileSync(path.join(dir, "auth", "redis-password"), "new pw");
        fs.writeFileSync(path.join(dir, "auth", "KUBECACHE_USER_0_PASSWORD"), "app-new");
        assert.strictEqual(
            sh("auth_creds users.list", { REDIS_PASSWORD: "env-pw" }),
            `default new pw\nreplication ${derivedPassword("new pw", "replication")}\napp app-new\n`,
        );
        fs.rmSync(path.join(dir, "auth", "KUBECACHE_USER_0_PASSWORD"));
        assert.match(sh("auth_creds users.list", { KUBECACHE_USER_0_PASSWORD: "app-env" }), /^app app-env$/m);
    });

    it("a start in the middle of a rotation accepts the old passwords too, and replicates with the old one until step 2", () => {
        fs.writeFileSync(path.join(dir, "auth", "redis-password"), "new pw");
        fs.writeFileSync(path.join(dir, "auth", "KUBECACHE_USER_0_PASSWORD"), "app-new");
        fs.mkdirSync(path.join(dir, "run", "auth"), { recursive: true });
        fs.writeFileSync(
            path.join(dir, "run", "auth", "previous"),
            `default old pw\nreplication ${derivedPassword("old pw", "replication")}\n`,
        );
        fs.writeFileSync(
            path.join(dir, "run", "auth", "applied"),
            `default new pw\nreplication ${derivedPassword("new pw", "replication")}\napp app-new\n`,
        );
        sh("runtime_conf redis.conf run users.list");
        const acl = fs.readFileSync(path.join(dir, "run", "users.acl"), "utf8");
        assert.ok(acl.includes(`user default on #${hash("new pw")} #${hash("old pw")} ~* +@all`), acl);
        assert.ok(acl.includes(`user app on #${hash("app-new")} ~app:*`), acl);
        const conf = fs.readFileSync(path.join(dir, "run", "redis.conf"), "utf8");
        assert.match(conf, new RegExp(`^masterauth ${derivedPassword("old pw", "replication")}$`, "m"));
        // Once this pod has switched (step 2), it presents the new one.
        fs.writeFileSync(path.join(dir, "run", "auth", "switched"), "");
        sh("runtime_conf redis.conf run users.list");
        assert.match(
            fs.readFileSync(path.join(dir, "run", "redis.conf"), "utf8"),
            new RegExp(`^masterauth ${derivedPassword("new pw", "replication")}$`, "m"),
        );
        fs.rmSync(path.join(dir, "run"), { recursive: true });
        // No rotation under way: only the current password.
        sh("runtime_conf redis.conf run users.list");
        const plain = fs.readFileSync(path.join(dir, "run", "users.acl"), "utf8");
        assert.ok(plain.includes(`user default on #${hash("new pw")} ~* +@all`), plain);
    });
});
