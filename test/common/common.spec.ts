import * as assert from "assert";
import {
    isPinnedImage,
    quantityToBytes,
    isDnsLabel,
    podHost,
    requireInteger,
    ArgumentError,
    checked,
    known,
} from "../../components/common";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf } from "../support/mocks";

describe("common helpers", () => {
    it("isPinnedImage accepts tags and digests, refuses bare and latest images", () => {
        for (const ok of ["redis:7.4.2", "docker.io/library/redis:7", "localhost:5001/op:0.1.0", `op@sha256:${"a".repeat(64)}`]) {
            assert.ok(isPinnedImage(ok), ok);
        }
        for (const bad of ["redis", "redis:latest", "localhost:5001/op", "registry:5000/a/b", "redis:"]) {
            assert.ok(!isPinnedImage(bad), bad);
        }
    });

    it("quantityToBytes understands binary and decimal suffixes and rejects the rest", () => {
        assert.strictEqual(quantityToBytes("256Mi"), 256 * 2 ** 20);
        assert.strictEqual(quantityToBytes("1G"), 1e9);
        assert.strictEqual(quantityToBytes("1.5Gi"), 1.5 * 2 ** 30);
        assert.strictEqual(quantityToBytes("1024"), 1024);
        for (const bad of ["", "ten", "10 GB", "-1", "1Mb"]) assert.strictEqual(quantityToBytes(bad), undefined, bad);
    });

    it("isDnsLabel follows RFC 1123", () => {
        assert.ok(isDnsLabel("redis-sfs"));
        for (const bad of ["Redis", "-a", "a-", "a_b", "a".repeat(64)]) assert.ok(!isDnsLabel(bad), bad);
    });

    it("podHost is the StatefulSet pod's stable DNS name", () => {
        assert.strictEqual(podHost("redis-sfs", 0, "redis-sfs", "default"), "redis-sfs-0.redis-sfs.default.svc.cluster.local");
    });

    it("requireInteger names the component and field", () => {
        assert.throws(
            () => requireInteger("X", "size", 1.5, 0, 10),
            (e: unknown) =>
                e instanceof ArgumentError &&
                e.field === "size" &&
                /^X: `size` must be an integer from 0 to 10; got 1.5\.$/.test(e.message),
        );
        assert.doesNotThrow(() => requireInteger("X", "size", 0, 0, 10));
    });

    it("checked validates known values now and Output values when they resolve", async () => {
        assert.strictEqual(known(pulumi.output(3)), undefined);
        assert.throws(() => checked(-1, v => requireInteger("X", "n", v, 0)), /`n` must be an integer >= 0/);
        const later = checked(pulumi.output(-2), v => requireInteger("X", "n", v, 0));
        // Output.promise() is internal but is how the engine awaits the value: it must reject.
        await assert.rejects((later as any).promise(), /X: `n` must be an integer >= 0; got -2/);
        assert.strictEqual(await promiseOf(checked(pulumi.output(4), v => requireInteger("X", "n", v, 0))), 4);
    });
});
