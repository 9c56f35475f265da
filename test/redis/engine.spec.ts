import * as assert from "assert";
import { expectRejected, resetRecorded, settle } from "../support/mocks";
import { REDIS_IMAGE, VALKEY_IMAGE } from "../../components/redis/defaults";
import { TOPOLOGIES, dataFile, podSpecs } from "./topologies";

describe("Redis components: engine", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("runs Valkey by default and Redis 7.4 with engine: redis, with scripts that find either's binaries", async () => {
                t.make("ev");
                t.make("er", { engine: "redis" });
                await settle();
                for (const { at, spec } of podSpecs(t, "ev", "data")) assert.strictEqual(spec.containers[0].image, VALKEY_IMAGE, at);
                for (const { at, spec } of podSpecs(t, "er", "data")) assert.strictEqual(spec.containers[0].image, REDIS_IMAGE, at);
                assert.match(dataFile(t, "ev", "runtime-conf.sh"), /command -v redis-server \|\| command -v valkey-server/);
            });

            it("keeps an explicit image over the engine's default", async () => {
                t.make("ei", { engine: "redis", image: "registry.local/redis@sha256:" + "a".repeat(64) });
                await settle();
                for (const { at, spec } of podSpecs(t, "ei", "data"))
                    assert.match(spec.containers[0].image, /^registry\.local\/redis@sha256:a{64}$/, at);
            });

            it("rejects an unknown engine before creating anything", () =>
                expectRejected(
                    () => t.make("eb", { engine: "keydb" }),
                    new RegExp(`${t.component}: \`engine\` must be one of "valkey", "redis"`),
                ));
        });
    }
});
