// Runs the exact redis.conf and start script RedisReplicated renders, with a real redis-server on
// 127.0.0.1: ordinal 0 becomes master, ordinal 1 replicates from it and serves its writes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderRedisConf, renderStartScript } from "../../components/redis/config";
import { ProcessGroup, commandExists, redisCli, tempDir, waitFor } from "../support/processes";

const MASTER_PORT = 17391;
const REPLICA_PORT = 17392;
const PASSWORD = 'pa"ss\\word with spaces';

describe("RedisReplicated rendered config on a real redis-server (loopback)", function () {
    this.timeout(30000);
    const procs = new ProcessGroup();
    let dir = "";

    before(function () {
        if (!commandExists("redis-server")) {
            // scripts/setup.sh installs it; reaching this means the test was run outside `npm test`/.ci/run.
            this.test!.parent!.ctx.skipReason = "redis-server is not installed (run scripts/setup.sh)";
            console.log("      skipped: redis-server is not installed (run scripts/setup.sh)");
            this.skip();
        }
        dir = tempDir("replicated");
    });

    after(() => {
        procs.stopAll();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function startNode(ordinal: number, port: number): void {
        const node = path.join(dir, `node${ordinal}`);
        fs.mkdirSync(path.join(node, "data"), { recursive: true });
        fs.writeFileSync(
            path.join(node, "redis.conf"),
            renderRedisConf({ port, dir: path.join(node, "data"), bind: "127.0.0.1", maxmemoryBytes: 64 * 2 ** 20 }),
        );
        fs.writeFileSync(
            path.join(node, "start.sh"),
            renderStartScript({
                configTemplate: path.join(node, "redis.conf"),
                runtimeDir: path.join(node, "run"),
                master: { host: "127.0.0.1", port: MASTER_PORT },
                announceHostExpr: "127.0.0.1",
            }),
        );
        procs.start(
            "sh",
            [path.join(node, "start.sh")],
            { HOSTNAME: `redis-sfs-${ordinal}`, REDIS_PASSWORD: PASSWORD },
            path.join(node, "log"),
        );
    }

    it("ordinal 0 starts as master with the password required", async () => {
        startNode(0, MASTER_PORT);
        assert.ok(await waitFor(() => redisCli(MASTER_PORT, PASSWORD, "ping") === "PONG", 10000), "master did not answer PING");
        assert.match(redisCli(MASTER_PORT, PASSWORD, "info", "replication"), /role:master/);
        assert.match(redisCli(MASTER_PORT, undefined, "ping"), /NOAUTH/);
        assert.strictEqual(redisCli(MASTER_PORT, PASSWORD, "config", "get", "maxmemory").split("\n")[1], String(64 * 2 ** 20));
    });

    it("ordinal 1 replicates from the master (master_link_status:up) and reads its writes", async () => {
        startNode(1, REPLICA_PORT);
        assert.ok(
            await waitFor(() => /master_link_status:up/.test(redisCli(REPLICA_PORT, PASSWORD, "info", "replication")), 15000),
            "replica never reached master_link_status:up",
        );
        assert.strictEqual(redisCli(MASTER_PORT, PASSWORD, "set", "seed:key", "hello"), "OK");
        assert.strictEqual(redisCli(MASTER_PORT, PASSWORD, "wait", "1", "2000"), "1");
        assert.strictEqual(redisCli(REPLICA_PORT, PASSWORD, "get", "seed:key"), "hello");
        assert.match(redisCli(REPLICA_PORT, PASSWORD, "set", "x", "y"), /READONLY/);
    });
});
