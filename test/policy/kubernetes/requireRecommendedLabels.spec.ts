import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireRecommendedLabels } from "../../../policy/kubernetes/requireRecommendedLabels";
import { deployment, service } from "../fixtures";
import { checkResource } from "../harness";

const fix = "Add them to metadata.labels so tools can find every object of a release.";

describe("policy kubernetes-metadata-require-recommended-labels", () => {
    it("accepts objects with the three recommended labels", async () => {
        assert.deepEqual((await checkResource(requireRecommendedLabels, k8s.apps.v1.Deployment, deployment())).messages, []);
        assert.deepEqual((await checkResource(requireRecommendedLabels, k8s.core.v1.Service, service("cache", "cache"))).messages, []);
    });

    for (const label of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"]) {
        it(`reports a missing ${label}`, async () => {
            const d = deployment();
            delete d.metadata.labels[label];
            const outcome = await checkResource(requireRecommendedLabels, k8s.apps.v1.Deployment, d);
            assert.deepEqual(outcome.messages, [`Deployment "cache" is missing the label(s) ${label}. ${fix}`]);
        });
    }

    it("reports every label on an unlabelled ConfigMap", async () => {
        const outcome = await checkResource(requireRecommendedLabels, k8s.core.v1.ConfigMap, { metadata: { name: "conf" }, data: {} });
        assert.deepEqual(outcome.messages, [
            `ConfigMap "conf" is missing the label(s) app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/managed-by. ${fix}`,
        ]);
    });

    it("honours a configured label list", async () => {
        const config = { [requireRecommendedLabels.name]: { requiredLabels: ["team"] } };
        const outcome = await checkResource(requireRecommendedLabels, k8s.apps.v1.Deployment, deployment(), config);
        assert.deepEqual(outcome.messages, [`Deployment "cache" is missing the label(s) team. ${fix}`]);
    });

    it("skips patches, Helm releases, YAML components and other providers", async () => {
        for (const type of [
            "kubernetes:apps/v1:DeploymentPatch",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:yaml/v2:ConfigFile",
            "random:index/randomPassword:RandomPassword",
        ]) {
            assert.deepEqual((await checkResource(requireRecommendedLabels, type, { metadata: {} })).messages, [], type);
        }
    });
});
