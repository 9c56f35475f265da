import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { disallowDeprecatedApiVersions } from "../../../policy/kubernetes/disallowDeprecatedApiVersions";
import { deployment, pdb } from "../fixtures";
import { checkResource } from "../harness";

describe("policy kubernetes-api-disallow-deprecated-versions", () => {
    it("accepts current API versions and custom resources", async () => {
        assert.deepEqual((await checkResource(disallowDeprecatedApiVersions, k8s.apps.v1.Deployment, deployment())).messages, []);
        assert.deepEqual(
            (await checkResource(disallowDeprecatedApiVersions, k8s.policy.v1.PodDisruptionBudget, pdb("p", "cache"))).messages,
            [],
        );
        assert.deepEqual(
            (
                await checkResource(disallowDeprecatedApiVersions, "kubernetes:cache.kubecache.dev/v1alpha1:Memcached", {
                    metadata: { name: "m" },
                })
            ).messages,
            [],
        );
    });

    it("reports extensions/v1beta1 Deployments", async () => {
        const outcome = await checkResource(disallowDeprecatedApiVersions, k8s.extensions.v1beta1.Deployment, deployment());
        assert.deepEqual(outcome.messages, [
            'Deployment "cache" uses apiVersion extensions/v1beta1, which Kubernetes removed in 1.16/1.22. ' +
                "Use apps/v1 for workloads, networking.k8s.io/v1 for Ingress and NetworkPolicy instead.",
        ]);
    });

    it("reports policy/v1beta1 PodDisruptionBudgets", async () => {
        const outcome = await checkResource(disallowDeprecatedApiVersions, k8s.policy.v1beta1.PodDisruptionBudget, pdb("p", "cache"));
        assert.deepEqual(outcome.messages, [
            'PodDisruptionBudget "p" uses apiVersion policy/v1beta1, which Kubernetes removed in 1.25. ' +
                "Use policy/v1 (PodDisruptionBudget) or Pod Security Admission (PodSecurityPolicy) instead.",
        ]);
    });

    it("only reports the retired kinds of a group version that still serves others", async () => {
        assert.equal(
            (
                await checkResource(disallowDeprecatedApiVersions, "kubernetes:networking.k8s.io/v1beta1:Ingress", {
                    metadata: { name: "i" },
                })
            ).messages.length,
            1,
        );
        assert.deepEqual(
            (
                await checkResource(disallowDeprecatedApiVersions, "kubernetes:networking.k8s.io/v1beta1:ServiceCIDR", {
                    metadata: { name: "s" },
                })
            ).messages,
            [],
        );
    });
});
