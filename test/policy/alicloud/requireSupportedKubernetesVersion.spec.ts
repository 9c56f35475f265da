import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { DEFAULT_SUPPORTED_VERSIONS, requireSupportedKubernetesVersion } from "../../../policy/alicloud/requireSupportedKubernetesVersion";
import { ackCluster } from "../fixtures";
import { checkResource } from "../harness";

const policy = requireSupportedKubernetesVersion;
const listed = DEFAULT_SUPPORTED_VERSIONS.join(", ");

describe("policy alicloud-cs-managedkubernetes-supported-version", () => {
    it("accepts a supported ACK release", async () => {
        assert.deepEqual((await checkResource(policy, alicloud.cs.ManagedKubernetes, ackCluster())).messages, []);
    });

    it("reports the seed's v1.21", async () => {
        const outcome = await checkResource(policy, alicloud.cs.ManagedKubernetes, { ...ackCluster(), version: "1.21.4-aliyun.1" });
        assert.deepEqual(outcome.messages, [
            `ACK cluster "kubecache-prod" requests Kubernetes 1.21.4-aliyun.1, which is not a supported version (${listed}). ` +
                "Choose a supported version, e.g. the newest returned by the `alicloud.cs.getKubernetesVersion` data source.",
        ]);
    });

    it("reports an unpinned version without automatic upgrades, and accepts it with them", async () => {
        const cluster = ackCluster();
        delete cluster.version;
        const outcome = await checkResource(policy, alicloud.cs.ManagedKubernetes, cluster);
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" pins no Kubernetes version and has no automatic upgrade, so it is created at whatever is newest and then left behind. ' +
                `Set \`version\` to a supported release (${listed}) or enable \`operationPolicy.clusterAutoUpgrade\`.`,
        ]);
        cluster.operationPolicy = { clusterAutoUpgrade: { enabled: true, channel: "stable" } };
        assert.deepEqual((await checkResource(policy, alicloud.cs.ManagedKubernetes, cluster)).messages, []);
    });

    it("reads the supported list from the config", async () => {
        const config = { [policy.name]: { supportedVersions: ["1.34"] } };
        const outcome = await checkResource(policy, alicloud.cs.ManagedKubernetes, ackCluster(), config);
        assert.equal(outcome.messages.length, 1);
        assert.match(outcome.messages[0], /not a supported version \(1\.34\)/);
    });
});
