import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireEnterpriseRegistry } from "../../../policy/alicloud/requireEnterpriseRegistry";
import { checkResource } from "../harness";

const why =
    "uses Container Registry Personal Edition, which Alibaba Cloud has deprecated and which has no SLA, VPC access control or image scanning. " +
    "Use ACR Enterprise Edition instead: `alicloud.cr.RegistryEnterpriseInstance` with `alicloud.cs.RegistryEnterpriseNamespace` and `RegistryEnterpriseRepo`.";

describe("policy alicloud-cr-require-enterprise-edition", () => {
    it("accepts ACR Enterprise resources", async () => {
        const instance = { instanceName: "kubecache", instanceType: "Basic", paymentType: "Subscription" };
        assert.deepEqual((await checkResource(requireEnterpriseRegistry, alicloud.cr.RegistryEnterpriseInstance, instance)).messages, []);
        const repo = { instanceId: "cri-1", namespace: "kubecache", name: "memcached-operator", repoType: "PRIVATE", summary: "operator" };
        assert.deepEqual((await checkResource(requireEnterpriseRegistry, alicloud.cs.RegistryEnterpriseRepo, repo)).messages, []);
    });

    it("reports a Personal Edition namespace", async () => {
        const outcome = await checkResource(requireEnterpriseRegistry, alicloud.cr.Namespace, {
            name: "kubecache",
            autoCreate: false,
            defaultVisibility: "PRIVATE",
        });
        assert.deepEqual(outcome.messages, [`Registry namespace "kubecache" ${why}`]);
    });

    it("reports a Personal Edition repository", async () => {
        const outcome = await checkResource(requireEnterpriseRegistry, alicloud.cr.Repo, {
            namespace: "kubecache",
            name: "memcached-operator",
            repoType: "PRIVATE",
            summary: "operator",
        });
        assert.deepEqual(outcome.messages, [`Registry repository "memcached-operator" ${why}`]);
    });
});
