import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requirePinnedImages } from "../../../policy/kubernetes/requirePinnedImages";
import { deployment, pod, statefulSet } from "../fixtures";
import { checkResource } from "../harness";

const fix = 'Pin it to an explicit version tag (e.g. "redis:7.4.2-bookworm") or a digest ("redis@sha256:…").';

function withImage(image: string): any {
    const d = deployment();
    d.spec.template.spec.containers[0].image = image;
    return d;
}

describe("policy kubernetes-workload-require-pinned-image", () => {
    it("accepts tagged images, registry ports and digests", async () => {
        for (const image of ["redis:7.4.2-bookworm", "localhost:5001/memcached-operator:0.1.0", `redis@sha256:${"a".repeat(64)}`]) {
            const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.Deployment, withImage(image));
            assert.deepEqual(outcome.messages, [], image);
        }
    });

    it("reports the seed's bare `redis`", async () => {
        const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.Deployment, withImage("redis"));
        assert.deepEqual(outcome.messages, [
            `Deployment container "redis" image "redis" has no tag, so each pull may run different code. ${fix}`,
        ]);
    });

    it("reports `:latest`", async () => {
        const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.Deployment, withImage("redis:latest"));
        assert.deepEqual(outcome.messages, [
            `Deployment container "redis" image "redis:latest" uses the mutable \`latest\` tag, so each pull may run different code. ${fix}`,
        ]);
    });

    it("does not mistake a registry port for a tag", async () => {
        const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.Deployment, withImage("localhost:5001/operator"));
        assert.deepEqual(outcome.messages, [
            `Deployment container "redis" image "localhost:5001/operator" has no tag, so each pull may run different code. ${fix}`,
        ]);
    });

    it("checks init containers of StatefulSets and bare Pods too", async () => {
        const sts = statefulSet();
        sts.spec.template.spec.initContainers = [{ name: "init", image: "busybox" }];
        const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.StatefulSet, sts);
        assert.deepEqual(outcome.messages, [
            `StatefulSet init container "init" image "busybox" has no tag, so each pull may run different code. ${fix}`,
        ]);
        const p = pod();
        p.spec.containers[0].image = "redis";
        assert.equal((await checkResource(requirePinnedImages, k8s.core.v1.Pod, p)).messages.length, 1);
    });

    it("reports a container without an image", async () => {
        const outcome = await checkResource(requirePinnedImages, k8s.apps.v1.Deployment, withImage(""));
        assert.deepEqual(outcome.messages, [
            'Deployment container "redis" has no image. Set `image` to a tagged reference such as "redis:7.4.2-bookworm".',
        ]);
    });
});
