// Runs the exact redis.conf and start script RedisReplicated renders, with a real redis-server on
// 127.0.0.1: ordinal 0 becomes master, ordinal 1 replicates from it and serves its writes.
import * as assert from "assert";
import * as fs from "fs";
import { startReplicatedNode } from "../../harness/loopback/replicatedNode";
import { ProcessGroup, redisCli, tempDir, waitFor } from "../../harness/processes";
import { LOOPBACK_ENGINES, enginePortOffset, skipUnlessEngine } from "../../harness/loopback/engines";

const PASSWORD = 'pa"ss\\word with spaces';

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisReplicated rendered config on a real server (loopback) [${engine}]`, function () {
        this.timeout(30000);
        const procs = new ProcessGroup();
        const MASTER_PORT = 17391 + enginePortOffset(engine);
        const REPLICA_PORT = 17392 + enginePortOffset(engine);
        let dir = "";

        before(function () {
            skipUnlessEngine(this, engine);
            dir = tempDir("replicated");
        });

        after(() => {
            procs.stopAll();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        const startNode = (ordinal: number, port: number) =>
            startReplicatedNode({
                procs,
                engine,
                dir,
                ordinal,
                port,
                masterPort: MASTER_PORT,
                password: PASSWORD,
                conf: { maxmemoryBytes: 64 * 2 ** 20 },
            });

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
}
