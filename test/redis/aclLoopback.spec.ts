// ACL users on the Sentinel topology, 127.0.0.1, with the aclfile the start script writes: the
// internal users can do only their job, application users get no dangerous command unless their
// rules name it, and replication, sentinels and HAProxy really run as those users.
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import * as assert from "assert";
import { createHash } from "crypto";
import { RespError, once } from "../../harness/loopback/resp";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "acl-password";
const derived = (user: string) => createHash("sha256").update(`${PASSWORD}:${user}`).digest("hex");

for (const engine of LOOPBACK_ENGINES) {
    describe(`Redis ACL users on the Sentinel topology (loopback) [${engine}]`, function () {
        this.timeout(60000);
        const c = useSentinelCluster(engine, {
            basePort: 17650,
            password: PASSWORD,
            tools: ["sha256sum"],
            users: [
                { name: "app", rules: "~app:* +@read +@write +flushdb", password: 'app pass "quoted"' },
                { name: "reader", rules: "~* +@read +@all", password: "reader-pass" },
            ],
        });

        const refused = async (user: [string, string], args: (string | number)[]) => {
            const r = await once(c().proxy, user, args).catch(e => e);
            return r instanceof RespError && /NOPERM/.test(r.message);
        };

        it("an application user works within its rules and gets no FLUSHALL, KEYS, CONFIG, DEBUG or SHUTDOWN unless it names them", async () => {
            const app: [string, string] = ["app", 'app pass "quoted"'];
            assert.strictEqual(await once(c().proxy, app, ["SET", "app:1", "x"]), "OK");
            assert.strictEqual(await once(c().proxy, app, ["GET", "app:1"]), "x");
            assert.ok(await refused(app, ["SET", "other", "x"]), "wrote outside its keys");
            // ACL DRYRUN answers what the ACL alone says, whatever else (enable-debug-command) would refuse.
            const dryrun = async (user: string, cmd: string[]) =>
                String(await once(c().proxy, PASSWORD, ["ACL", "DRYRUN", user, ...cmd]).catch(e => e));
            for (const cmd of [["FLUSHALL"], ["KEYS", "*"], ["CONFIG", "GET", "maxmemory"], ["DEBUG", "SLEEP", "0"], ["SHUTDOWN"]]) {
                assert.match(await dryrun("app", cmd), /no permissions/, `app may ${cmd[0]}`);
                // A category grant (+@all) is not an explicit one.
                assert.match(await dryrun("reader", cmd), /no permissions/, `reader may ${cmd[0]} through +@all`);
            }
            assert.ok(await refused(app, ["KEYS", "*"]));
            assert.strictEqual(await once(c().proxy, app, ["FLUSHDB"]), "OK", "the explicitly granted FLUSHDB was refused");
            assert.strictEqual(await once(c().proxy, PASSWORD, ["SET", "default-user", "still works"]), "OK");
        });

        it("the internal users can only do their job", async () => {
            const master = await c().healthy();
            const node = c().nodes[master];
            const deny = async (user: string, args: (string | number)[]) => {
                const r = await once(node, [user, derived(user)], args).catch(e => e);
                assert.ok(r instanceof RespError && /NOPERM/.test(r.message), `${user} may ${args[0]}: ${r}`);
            };
            await deny("replication", ["GET", "x"]);
            await deny("replication", ["INFO"]);
            await deny("haproxy", ["SET", "x", "y"]);
            await deny("haproxy", ["DEL", "other-key"]);
            await deny("sentinel", ["GET", "x"]);
            await deny("sentinel", ["FLUSHALL"]);
            assert.strictEqual(await once(node, ["haproxy", derived("haproxy")], ["DEL", "kubecache:write-probe"]), 0);
            assert.match(String(await once(node, ["sentinel", derived("sentinel")], ["INFO", "replication"])), /role:master/);
        });

        it("replicas, sentinels and HAProxy connect as those users, not as default", async () => {
            const master = await c().healthy();
            const clients = String(await once(c().nodes[master], PASSWORD, ["CLIENT", "LIST"]));
            const users = (flag: string) =>
                clients
                    .split("\n")
                    .filter(l => l.includes(flag))
                    .map(l => /user=(\S+)/.exec(l)?.[1]);
            const replicas = users("flags=S");
            assert.deepStrictEqual(replicas, ["replication", "replication"], clients);
            assert.ok(
                clients.split("\n").some(l => /user=sentinel .*cmd=/.test(l) || /user=sentinel/.test(l)),
                `no sentinel connection:\n${clients}`,
            );
            // HAProxy's check connections are short-lived: look for its user in the ACL log of successful auths instead.
            const acl = String(await once(c().nodes[master], PASSWORD, ["ACL", "LIST"]));
            // Valkey lists the user's flags before its password (`user haproxy on sanitize-payload #…`); Redis only `on`.
            const haproxy = /^user haproxy on (?:[a-z-]+ )*#[0-9a-f]{64} (.*)$/m.exec(acl.replace(/,user /g, "\nuser "))?.[1] ?? "";
            assert.deepStrictEqual(
                haproxy.split(" ").sort(),
                ["+del", "+info", "+ping", "-@all", "resetchannels", "~kubecache:write-probe"],
                acl,
            );
            assert.doesNotMatch(acl, new RegExp(PASSWORD), "a password in clear in the ACL");
        });
    });
}
