import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireHeadlessService } from "../../../policy/kubernetes/requireHeadlessService";
import { service, statefulSet } from "../fixtures";
import { checkStack, StackEntry, urnOf } from "../harness";

function stack(sts = statefulSet(), svc: any = service("redis-sfs-headless", "redis-sfs", true)): StackEntry[] {
    return [
        { type: k8s.apps.v1.StatefulSet, name: "redis-sfs", props: sts },
        ...(svc ? [{ type: k8s.core.v1.Service, name: "redis-sfs-headless", props: svc }] : []),
    ];
}

describe("policy kubernetes-apps-v1-statefulset-require-headless-service", () => {
    it("accepts a StatefulSet whose serviceName is a headless Service in its namespace", async () => {
        assert.deepEqual((await checkStack(requireHeadlessService, stack())).messages, []);
    });

    it("reports the seed's missing headless Service on the StatefulSet", async () => {
        const outcome = await checkStack(requireHeadlessService, stack(statefulSet("redis-sfs", 2, "redis-sfs"), null));
        assert.deepEqual(outcome.messages, [
            'StatefulSet "redis-sfs" names Service "redis-sfs" in namespace "kubecache", but this stack creates no such Service, ' +
                'so `redis-sfs-0.redis-sfs` does not resolve and replicas fail with "Unable to connect to MASTER". ' +
                'Create a headless Service "redis-sfs" (`clusterIP: None`) selecting the StatefulSet\'s pods.',
        ]);
        assert.equal(outcome.reports[0].urn, urnOf("kubernetes:apps/v1:StatefulSet", "redis-sfs"));
    });

    it("reports a Service of that name that is not headless", async () => {
        const outcome = await checkStack(requireHeadlessService, stack(undefined, service("redis-sfs-headless", "redis-sfs", false)));
        assert.deepEqual(outcome.messages, [
            'StatefulSet "redis-sfs" names Service "redis-sfs-headless", which is not headless, so pods get no per-pod DNS records. ' +
                'Set `clusterIP: "None"` on Service "redis-sfs-headless" (use a separate Service for client traffic).',
        ]);
    });

    it("does not accept a headless Service in another namespace", async () => {
        const svc = service("redis-sfs-headless", "redis-sfs", true);
        svc.metadata.namespace = "other";
        const outcome = await checkStack(requireHeadlessService, stack(undefined, svc));
        assert.equal(outcome.messages.length, 1);
        assert.match(outcome.messages[0], /creates no such Service/);
    });

    it("reports a StatefulSet without serviceName", async () => {
        const sts = statefulSet();
        delete sts.spec.serviceName;
        const outcome = await checkStack(requireHeadlessService, stack(sts));
        assert.deepEqual(outcome.messages, [
            'StatefulSet "redis-sfs" has no `serviceName`, so its pods get no stable DNS names and replicas cannot find the master. ' +
                "Create a headless Service (`clusterIP: None`) selecting its pods and set `serviceName` to it.",
        ]);
    });
});
