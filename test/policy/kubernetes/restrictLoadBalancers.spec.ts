import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import {
    INTERNAL_LOAD_BALANCER_ANNOTATIONS,
    INTERNAL_SLB_ANNOTATION,
    restrictLoadBalancers,
} from "../../../policy/kubernetes/restrictLoadBalancers";
import { service } from "../fixtures";
import { checkResource } from "../harness";

const config = (environment: string, cluster: string) => ({ [restrictLoadBalancers.name]: { environment, cluster } });

function loadBalancer(annotated: boolean, ranges?: string[]): any {
    const s = service("cache-lb", "cache");
    s.spec.type = "LoadBalancer";
    if (annotated) s.metadata.annotations = { [INTERNAL_SLB_ANNOTATION]: "intranet" };
    if (ranges) s.spec.loadBalancerSourceRanges = ranges;
    return s;
}
const fix =
    `Make it internal ("${INTERNAL_SLB_ANNOTATION}: intranet" on Alibaba Cloud), ` +
    "list the client CIDRs it serves in `loadBalancerSourceRanges`, or use a ClusterIP Service.";

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

    it("reports a public LoadBalancer without source ranges in prod", async () => {
        const outcome = await checkResource(restrictLoadBalancers, k8s.core.v1.Service, loadBalancer(false), config("prod", "ack"));
        assert.deepEqual(outcome.messages, [
            'Service "cache-lb" is a public LoadBalancer without `loadBalancerSourceRanges`, so anyone on the internet can reach it. ' +
                fix,
        ]);
    });

    it("reports a public LoadBalancer whose source ranges include every address, in prod", async () => {
        for (const open of ["0.0.0.0/0", "::/0"]) {
            const outcome = await checkResource(
                restrictLoadBalancers,
                k8s.core.v1.Service,
                loadBalancer(false, ["203.0.113.0/24", open]),
                config("prod", "ack"),
            );
            assert.deepEqual(outcome.messages, [
                `Service "cache-lb" is a public LoadBalancer open to every address (${open}), so anyone on the internet can reach it. ` +
                    fix,
            ]);
        }
    });

    it("accepts a public LoadBalancer limited to listed client ranges in prod", async () => {
        const outcome = await checkResource(
            restrictLoadBalancers,
            k8s.core.v1.Service,
            loadBalancer(false, ["203.0.113.0/24"]),
            config("prod", "ack"),
        );
        assert.deepEqual(outcome.messages, []);
    });

    it("accepts each cloud's internal load-balancer annotation in prod on an existing cluster, and not the wrong value", async () => {
        for (const [key, value] of INTERNAL_LOAD_BALANCER_ANNOTATIONS) {
            const internal = loadBalancer(false);
            internal.metadata.annotations = { [key]: value };
            assert.deepEqual(
                (await checkResource(restrictLoadBalancers, k8s.core.v1.Service, internal, config("prod", "existing"))).messages,
                [],
                key,
            );
            internal.metadata.annotations = { [key]: "public" };
            assert.equal(
                (await checkResource(restrictLoadBalancers, k8s.core.v1.Service, internal, config("prod", "existing"))).messages.length,
                1,
                key,
            );
        }
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
