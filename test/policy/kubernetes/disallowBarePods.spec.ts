import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { disallowBarePods } from "../../../policy/kubernetes/disallowBarePods";
import { deployment, pod } from "../fixtures";
import { checkResource } from "../harness";

describe("policy kubernetes-core-v1-pod-disallow-bare-pod", () => {
    it("accepts a Deployment's pods", async () => {
        const outcome = await checkResource(disallowBarePods, k8s.apps.v1.Deployment, deployment());
        assert.deepEqual(outcome.messages, []);
    });

    it("reports a bare Pod by name and says to use a controller", async () => {
        const outcome = await checkResource(disallowBarePods, k8s.core.v1.Pod, pod("redis"));
        assert.deepEqual(outcome.messages, [
            'Pod "redis" is a bare Pod: nothing re-creates it when it is deleted or its node fails. ' +
                "Run it from a Deployment (stateless) or a StatefulSet (stable identity and storage) instead.",
        ]);
    });

    it("names an auto-named Pod by its resource name", async () => {
        const props = pod();
        delete props.metadata.name;
        const outcome = await checkResource(disallowBarePods, k8s.core.v1.Pod, props, {}, "seed-redis");
        assert.match(outcome.messages[0], /^Pod "seed-redis" is a bare Pod/);
    });
});
