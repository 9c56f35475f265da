import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { disallowPublicRepositories } from "../../../policy/alicloud/disallowPublicRepositories";
import { checkResource } from "../harness";

const repo = () => ({ instanceId: "cri-1", namespace: "kubecache", name: "memcached-operator", repoType: "PRIVATE", summary: "operator" });
const namespace = () => ({ instanceId: "cri-1", name: "kubecache", autoCreate: false, defaultVisibility: "PRIVATE" });

describe("policy alicloud-cr-disallow-public-repository", () => {
    it("accepts private repositories and namespaces", async () => {
        assert.deepEqual((await checkResource(disallowPublicRepositories, alicloud.cs.RegistryEnterpriseRepo, repo())).messages, []);
        assert.deepEqual(
            (await checkResource(disallowPublicRepositories, alicloud.cs.RegistryEnterpriseNamespace, namespace())).messages,
            [],
        );
    });

    it("reports a public operator repository", async () => {
        const outcome = await checkResource(disallowPublicRepositories, alicloud.cs.RegistryEnterpriseRepo, {
            ...repo(),
            repoType: "PUBLIC",
        });
        assert.deepEqual(outcome.messages, [
            'Registry repository "memcached-operator" has repoType "PUBLIC", so anyone can pull its images. ' +
                'Set `repoType: "PRIVATE"` and give the cluster pull access (acr-credential-helper or an image pull secret).',
        ]);
    });

    it("reports a namespace that creates public repositories", async () => {
        const outcome = await checkResource(disallowPublicRepositories, alicloud.cs.RegistryEnterpriseNamespace, {
            ...namespace(),
            defaultVisibility: "PUBLIC",
        });
        assert.deepEqual(outcome.messages, [
            'Registry namespace "kubecache" makes new repositories PUBLIC by default, so a push can publish an image. Set `defaultVisibility: "PRIVATE"`.',
        ]);
    });
});
