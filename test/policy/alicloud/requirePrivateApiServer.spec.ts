import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requirePrivateApiServer } from "../../../policy/alicloud/requirePrivateApiServer";
import { ackCluster } from "../fixtures";
import { checkResource } from "../harness";

const fix =
    "Set `slbInternetEnabled: false` and reach it through the VPC, or set `allowPublicApiServer: true` in this policy's config if a public endpoint is intended.";

describe("policy alicloud-cs-managedkubernetes-private-api-server", () => {
    it("accepts slbInternetEnabled false", async () => {
        assert.deepEqual((await checkResource(requirePrivateApiServer, alicloud.cs.ManagedKubernetes, ackCluster())).messages, []);
    });

    it("reports slbInternetEnabled left at its public default", async () => {
        const cluster = ackCluster();
        delete cluster.slbInternetEnabled;
        const outcome = await checkResource(requirePrivateApiServer, alicloud.cs.ManagedKubernetes, cluster);
        assert.deepEqual(outcome.messages, [
            `ACK cluster "kubecache-prod" exposes its API server on the internet (\`slbInternetEnabled\` is not false). ${fix}`,
        ]);
    });

    it("reports a public endpoint in controlPlaneEndpointsConfig", async () => {
        const cluster = { ...ackCluster(), controlPlaneEndpointsConfig: { loadBalancersConfigs: [{ endpointType: "public" }] } };
        const outcome = await checkResource(requirePrivateApiServer, alicloud.cs.ManagedKubernetes, cluster);
        assert.deepEqual(outcome.messages, [
            `ACK cluster "kubecache-prod" exposes its API server on the internet (a public endpoint in \`controlPlaneEndpointsConfig\`). ${fix}`,
        ]);
    });

    it("allows a public API server when the config says so", async () => {
        const config = { [requirePrivateApiServer.name]: { allowPublicApiServer: true } };
        const outcome = await checkResource(
            requirePrivateApiServer,
            alicloud.cs.ManagedKubernetes,
            { ...ackCluster(), slbInternetEnabled: true },
            config,
        );
        assert.deepEqual(outcome.messages, []);
    });
});
