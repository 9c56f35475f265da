import * as assert from "assert";
import { expectRejected, findAll, findCreated, promiseOf, recorded, resetRecorded, secretAt, settle } from "../support/mocks";
import { applicationRules } from "../../components/redis/acl";
import { CONFIGMAP, SECRET, TOPOLOGIES, dataFile, podSpecs } from "./topologies";

const RANDOM = "random:index/randomPassword:RandomPassword";

describe("Redis components: users and extraConfig", () => {
    beforeEach(resetRecorded);

    it("application rules start from nothing and keep dangerous commands denied unless named", () => {
        assert.strictEqual(
            applicationRules("~app:* +@all"),
            "resetkeys resetchannels -@all ~app:* +@all -flushall -flushdb -keys -config -debug -shutdown",
        );
        assert.match(applicationRules("~* +@write +flushdb"), /-shutdown \+flushdb$/);
        assert.doesNotMatch(applicationRules("~* +@admin"), /\+config$/);
    });

    it("a leading `on`, as Redis' ACL documentation writes rules, is accepted and dropped (the user is on already)", () => {
        assert.strictEqual(applicationRules("on ~app:* +@read"), applicationRules("~app:* +@read"));
        assert.strictEqual(applicationRules("  ON ~app:* +@read"), applicationRules("~app:* +@read"));
        for (const t of TOPOLOGIES)
            assert.doesNotThrow(() => t.make(`on-${t.component.toLowerCase()}`, { users: [{ name: "a", rules: "on ~* +get" }] }));
    });

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("writes each user into the ACL file at start from its Secret, generating one when none is given", async () => {
                const c = t.make("us", {
                    users: [
                        { name: "app", rules: "~app:* +@read +@write" },
                        { name: "reporting", rules: "~* +@read", passwordSecret: { name: "reports-pw", key: "pw" } },
                    ],
                });
                await settle();
                const gen = findCreated(SECRET, "us-user-app");
                assert.strictEqual(gen.inputs.stringData.username, "app");
                assert.ok(secretAt(gen, "stringData.password"), "the generated password must be secret");
                assert.strictEqual(findCreated(RANDOM, "us-user-app").inputs.length, 32);
                assert.strictEqual(
                    findAll(SECRET).filter(s => /reporting/.test(s.name)).length,
                    0,
                    "a given passwordSecret is used, not copied",
                );
                assert.deepStrictEqual(await promiseOf(c.userSecretNames), { app: "us-user-app", reporting: "reports-pw" });

                for (const { at, spec } of podSpecs(t, "us", "data")) {
                    const env = spec.containers[0].env;
                    assert.deepStrictEqual(
                        env.find((e: any) => e.name === "KUBECACHE_USER_0_PASSWORD").valueFrom.secretKeyRef,
                        { name: "us-user-app", key: "password" },
                        at,
                    );
                    assert.deepStrictEqual(
                        env.find((e: any) => e.name === "KUBECACHE_USER_1_PASSWORD").valueFrom.secretKeyRef,
                        { name: "reports-pw", key: "pw" },
                        at,
                    );
                }
                // users.list: the start script hashes each password from the variable named here into the ACL file.
                const list = dataFile(t, "us", "users.list");
                assert.match(list, /^app KUBECACHE_USER_0_PASSWORD resetkeys resetchannels -@all ~app:\* \+@read \+@write -flushall/m);
                assert.match(list, /^reporting KUBECACHE_USER_1_PASSWORD resetkeys resetchannels -@all ~\* \+@read /m);
                assert.match(list, /^replication @derived resetkeys resetchannels -@all \+psync \+replconf \+ping$/m);
                assert.match(list, /^default @password ~\* &\* \+@all$/m);
                assert.match(dataFile(t, "us", "runtime-conf.sh"), /masteruser replication/);
                // No password of any user in any ConfigMap.
                for (const cm of findAll(CONFIGMAP)) assert.doesNotMatch(JSON.stringify(cm.inputs), /xxxxxxxxxxxxxxxx/, cm.name);
            });

            it("renders extraConfig after the component's own directives", async () => {
                t.make("xc", { extraConfig: { hz: "20", "lazyfree-lazy-eviction": "yes" } });
                await settle();
                const conf = dataFile(t, "xc", "redis.conf");
                assert.match(conf, /^hz 20\nlazyfree-lazy-eviction yes\n$/m);
                assert.ok(conf.indexOf("hz 20") > conf.indexOf("appendonly"), "user directives come last");
            });
        });
    }

    describe("rejects bad users and extraConfig before creating anything", () => {
        const cases: Array<[string, any, RegExp]> = [
            ["users that are not a list", { users: { name: "app" } }, /`users` must be a list/],
            [
                "a user named like an internal one",
                { users: [{ name: "replication", rules: "+@all" }] },
                /`users\[0\].name` "replication" is a user the component manages itself/,
            ],
            ["a user name with a space", { users: [{ name: "my app", rules: "+@all" }] }, /`users\[0\].name` must be 1-64 letters/],
            [
                "the same user twice",
                {
                    users: [
                        { name: "a", rules: "+get" },
                        { name: "a", rules: "+set" },
                    ],
                },
                /`users\[1\].name` "a" appears twice/,
            ],
            [
                "two users whose generated Secrets would collide",
                {
                    users: [
                        { name: "App", rules: "+get" },
                        { name: "app", rules: "+set" },
                    ],
                },
                /`users\[1\].name` "app" would share the Secret us-user-app with users\[0\]/,
            ],
            ["rules that set a password", { users: [{ name: "a", rules: ">hunter2 +@all" }] }, /`users\[0\].rules` must not set passwords/],
            [
                "rules that turn the user off",
                { users: [{ name: "a", rules: "off +@all" }] },
                /`users\[0\].rules` must not set passwords or the user's state/,
            ],
            ["empty rules", { users: [{ name: "a", rules: " " }] }, /`users\[0\].rules` must be ACL rules/],
            ["rules that are only `on`", { users: [{ name: "a", rules: "on" }] }, /`users\[0\].rules` must be ACL rules/],
            [
                "`on` after other rules",
                { users: [{ name: "a", rules: "+get on" }] },
                /`users\[0\].rules` must not set passwords or the user's state \("on"\)/,
            ],
            ["rules with nopass", { users: [{ name: "a", rules: "on nopass +get" }] }, /`users\[0\].rules` must not set passwords/],
            ["rules with reset", { users: [{ name: "a", rules: "reset +get" }] }, /`users\[0\].rules` must not set passwords/],
            ["rules removing a password", { users: [{ name: "a", rules: "on <old +get" }] }, /`users\[0\].rules` must not set passwords/],
            ["a shell character in the rules", { users: [{ name: "a", rules: "~$(id) +get" }] }, /`users\[0\].rules` has a character/],
            [
                "a bad Secret key",
                { users: [{ name: "a", rules: "+get", passwordSecret: { name: "s", key: "a/b" } }] },
                /`users\[0\].passwordSecret.key` must be a Secret key/,
            ],
            ["users without auth", { auth: { enabled: false }, users: [{ name: "a", rules: "+get" }] }, /`users` need `auth`/],
            ["extraConfig that is a list", { extraConfig: ["hz 20"] }, /`extraConfig` must map redis.conf directives/],
            ["extraConfig setting the port", { extraConfig: { port: "6380" } }, /`extraConfig.port` is set by the component/],
            ["extraConfig setting TLS", { extraConfig: { "tls-port": "6380" } }, /`extraConfig.tls-port` is set by the component/],
            ["extraConfig setting a password", { extraConfig: { requirepass: "x" } }, /`extraConfig.requirepass` is set by the component/],
            [
                "extraConfig renaming a command",
                { extraConfig: { "rename-command": 'FLUSHALL ""' } },
                /`extraConfig.rename-command` is set by the component/,
            ],
            [
                "an extraConfig value with a newline",
                { extraConfig: { hz: "20\nrequirepass x" } },
                /`extraConfig.hz` must be a one-line value/,
            ],
            ["an extraConfig key in capitals", { extraConfig: { HZ: "20" } }, /`extraConfig.HZ` is not a redis.conf directive name/],
        ];
        for (const t of TOPOLOGIES) {
            for (const [what, args, pattern] of cases) {
                it(`${t.component}: ${what}`, () =>
                    expectRejected(() => t.make("us", args), new RegExp(`${t.component}: ${pattern.source}`)));
            }
        }
    });

    it("keeps generated user passwords out of every plain input", async () => {
        TOPOLOGIES[0].make("sp", { users: [{ name: "app", rules: "+get" }] });
        await settle();
        for (const r of recorded.filter(x => x.type !== RANDOM)) {
            if (r.type === SECRET) continue;
            assert.doesNotMatch(JSON.stringify(r.inputs), /"x{32}"/, `${r.type} ${r.name}`);
        }
    });
});
