import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { INTERNAL_SLB_ANNOTATION, restrictLoadBalancers } from "../../../policy/kubernetes/restrictLoadBalancers";
import { service } from "../fixtures";
import { checkResource } from "../harness";

const config = (environment: string, cluster: string) => ({ [restrictLoadBalancers.name]: { environment, cluster } });

function loadBalancer(annotated: boolean): any {
    const s = service("cache-lb", "cache");
    s.spec.type = "LoadBalancer";
    if (annotated) s.metadata.annotations = { [INTERNAL_SLB_ANNOTATION]: "intranet" };
    return s;
}

describe("policy kubernetes-core-v1-service-restrict-load-balancer", () => {
    it("accepts ClusterIP Services everywhere", async () => {
        for (const [env, cluster] of [
            ["dev", "kind"],
            ["prod", "ack"],
        ]) {
            assert.deepEqual(
                (await checkResource(restrictLoadBalancers, k8s.core.v1.Service, service("cache", "cache"), config(env, cluster))).messages,
                [],
            );
        }
    });

    it("accepts an internal SLB in prod on ACK", async () => {
        assert.deepEqual(
            (await checkResource(restrictLoadBalancers, k8s.core.v1.Service, loadBalancer(true), config("prod", "ack"))).messages,
            [],
        );
    });

    it("reports a public LoadBalancer in prod", async () => {
        const outcome = await checkResource(restrictLoadBalancers, k8s.core.v1.Service, loadBalancer(false), config("prod", "ack"));
        assert.deepEqual(outcome.messages, [
            'Service "cache-lb" is a LoadBalancer without an internal-SLB annotation, so Alibaba Cloud gives it a public address. ' +
                `Annotate it with "${INTERNAL_SLB_ANNOTATION}: intranet", or use a ClusterIP Service.`,
        ]);
    });

    it("reports any LoadBalancer on kind, annotated or not", async () => {
        const outcome = await checkResource(restrictLoadBalancers, k8s.core.v1.Service, loadBalancer(true), config("dev", "kind"));
        assert.deepEqual(outcome.messages, [
            'Service "cache-lb" is of type LoadBalancer, which kind cannot provision, so it stays Pending. ' +
                "Use a ClusterIP Service and `kubectl port-forward`, or a NodePort mapped through the kind config.",
        ]);
    });

    it("allows a public LoadBalancer on a dev stack outside kind", async () => {
        assert.deepEqual(
            (await checkResource(restrictLoadBalancers, k8s.core.v1.Service, loadBalancer(false), config("dev", "existing"))).messages,
            [],
        );
    });
});
