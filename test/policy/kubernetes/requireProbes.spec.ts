import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireProbes } from "../../../policy/kubernetes/requireProbes";
import { deployment, statefulSet } from "../fixtures";
import { checkResource } from "../harness";

const fix =
    "Add one (e.g. an exec probe running `redis-cli ping`, or a tcpSocket probe on the service port) " +
    "so Kubernetes restarts or unroutes it when it hangs.";

describe("policy kubernetes-workload-require-probes", () => {
    it("accepts containers with liveness and readiness probes", async () => {
        const outcome = await checkResource(requireProbes, k8s.apps.v1.StatefulSet, statefulSet());
        assert.deepEqual(outcome.messages, []);
    });

    for (const probe of ["livenessProbe", "readinessProbe"]) {
        it(`reports a missing ${probe}`, async () => {
            const d = deployment();
            delete d.spec.template.spec.containers[0][probe];
            const outcome = await checkResource(requireProbes, k8s.apps.v1.Deployment, d);
            assert.deepEqual(outcome.messages, [`Deployment container "redis" has no ${probe}. ${fix}`]);
        });
    }

    it("does not require probes on init containers or Jobs", async () => {
        const d = deployment();
        d.spec.template.spec.initContainers = [{ name: "init", image: "busybox:1.37" }];
        assert.deepEqual((await checkResource(requireProbes, k8s.apps.v1.Deployment, d)).messages, []);
        const job = { spec: { template: { spec: { containers: [{ name: "once", image: "busybox:1.37" }] } } } };
        assert.deepEqual((await checkResource(requireProbes, k8s.batch.v1.Job, job)).messages, []);
    });
});
