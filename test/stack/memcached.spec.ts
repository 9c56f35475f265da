import { computed, expectRejected, findAll, findCreated, promiseOf, resetRecorded, settle } from "../support/mocks";
import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadManifest, operatorConfigPath } from "../../components/memcached/operatorConfig";
import { DEFAULT_MEMCACHED_INSTANCES } from "../../stack/config";
import { deployMemcached } from "../../stack/memcached";
import { operatorFixture } from "../image/fixture";

const IMAGE = "docker:index/image:Image";
const CR = "kubernetes:cache.kubecache.io/v1alpha1:Memcached";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const DIGEST = "sha256:" + "e".repeat(64);
const PREBUILT = `registry.example.com/kubecache/memcached-operator@${DIGEST}`;

describe("deployMemcached (the stack's Memcached wiring)", () => {
    let dir: string;
    const registry = { pushServer: pulumi.output("localhost:5001"), pullServer: pulumi.output("kind-registry:5000") };
    let shared: (typeof computed)[string];
    before(() => {
        shared = computed[IMAGE];
        computed[IMAGE] = (_n, inputs) => ({ repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${DIGEST}` });
        dir = operatorFixture();
    });
    after(() => {
        computed[IMAGE] = shared;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(resetRecorded);

    it("defaults to the committed sample: memcached-sample of size 1", () => {
        const sample = loadManifest(operatorConfigPath("samples", "cache_v1alpha1_memcached.yaml"), "Memcached");
        assert.deepStrictEqual(DEFAULT_MEMCACHED_INSTANCES, [{ name: sample.metadata.name, ...sample.spec }]);
    });

    it("builds the image once, runs the operator on its digest and creates each instance", async () => {
        const stack = deployMemcached({
            registry,
            image: { sourceDir: dir },
            namespace: "kubecache",
            instances: [
                { name: "memcached-sample", size: 1 },
                { name: "sessions", size: 3, memoryMB: 128 },
            ],
        });
        await settle();
        assert.strictEqual(findAll(IMAGE).length, 1);
        const ref = `kind-registry:5000/kubecache/memcached-operator@${DIGEST}`;
        assert.strictEqual(await promiseOf(stack.operatorImage), ref);
        assert.strictEqual(findCreated(DEPLOYMENT, "memcached-operator-manager").inputs.spec.template.spec.containers[0].image, ref);
        assert.deepStrictEqual(findCreated(CR, "sessions").inputs.spec, { size: 3, memoryMB: 128 });
        assert.strictEqual(findCreated(CR, "memcached-sample").inputs.metadata.namespace, "kubecache");
        assert.deepStrictEqual(Object.keys(stack.endpoints), ["memcached-sample", "sessions"]);
        assert.strictEqual(await promiseOf(stack.endpoints.sessions), "sessions.kubecache.svc.cluster.local:11211");
    });

    it("uses a prebuilt operator image instead of building one", async () => {
        const stack = deployMemcached({ operatorImage: PREBUILT });
        await settle();
        assert.strictEqual(findAll(IMAGE).length, 0);
        assert.strictEqual(findAll("command:local:Command").length, 0);
        assert.strictEqual(await promiseOf(stack.operatorImage), PREBUILT);
        findCreated(CR, "memcached-sample");
    });

    describe("rejects bad configuration before creating anything", () => {
        const cases: [string, () => unknown, RegExp][] = [
            [
                "no registry and no prebuilt image",
                () => deployMemcached({}),
                /`operatorImage` is required when the cluster has no registry/,
            ],
            [
                "two instances with one name",
                () => deployMemcached({ operatorImage: PREBUILT, instances: [{ name: "a" }, { name: "a" }] }),
                /names must be unique; "a"/,
            ],
            [
                "an instance without a name",
                () => deployMemcached({ operatorImage: PREBUILT, instances: [{ size: 1 } as any] }),
                /`memcachedInstances` must be a list of objects with a `name`/,
            ],
            [
                "an instance above the size bound",
                () => deployMemcached({ operatorImage: PREBUILT, instances: [{ name: "a", size: 101 }] }),
                /`size` must be an integer from 0 to 100/,
            ],
        ];
        for (const [what, fn, pattern] of cases) it(what, () => expectRejected(fn, pattern));
    });
});
