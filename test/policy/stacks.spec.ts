import { recorded, resetRecorded, settle, useStack } from "../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { alicloudPolicies } from "../../policy/alicloud";
import { kubernetesPolicies } from "../../policy/kubernetes";
import { runProgram } from "../support/program";
import { checkPack, entriesFromRecorded, PackConfig, Report } from "./harness";

const policies = [...kubernetesPolicies, ...alicloudPolicies];
const packConfig = (stack: string): PackConfig =>
    JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/config", `${stack}.json`), "utf8"));
const resourceOf = (r: Report) => r.urn?.split("::").slice(-2).join(" ");
const summary = (reports: Report[]) => reports.map(r => `${r.policy} on ${resourceOf(r)}`).sort();

/**
 * Mandatory violations the real prod program still produces, reported to the program's owners.
 * The test fails on any new violation and also when one of these is fixed, so the list only shrinks.
 */
const KNOWN_PROD_FINDINGS: string[] = [];

async function checkProgram(stack: string): Promise<Report[]> {
    await runProgram(stack);
    return checkPack(policies, entriesFromRecorded(recorded), packConfig(stack));
}

describe("the policy pack against whole stacks", () => {
    after(() => useStack("dev"));

    it("prod: the program has no mandatory violations beyond the known, reported findings", async () => {
        const mandatory = (await checkProgram("prod")).filter(r => r.enforcementLevel === "mandatory");
        for (const r of mandatory) console.log(`      prod finding: [${r.policy}] ${r.message}`);
        assert.deepEqual(
            summary(mandatory),
            [...KNOWN_PROD_FINDINGS].sort(),
            "prod's mandatory violations changed: fix new ones in the program; remove fixed ones from KNOWN_PROD_FINDINGS",
        );
    });

    it("dev: the program has no mandatory violations; the seed's bare Pod is advisory", async () => {
        const reports = await checkProgram("dev");
        assert.deepEqual(summary(reports.filter(r => r.enforcementLevel === "mandatory")), []);
        const barePods = reports.filter(r => r.policy === "kubernetes-core-v1-pod-disallow-bare-pod");
        assert.equal(barePods.length, recorded.filter(r => r.type === "kubernetes:core/v1:Pod").length);
        assert.ok(barePods.every(r => r.enforcementLevel === "advisory"));
    });

    describe("a replica of the seed (kubectl run redis, redis-deployment, redis-sfs without its Service)", () => {
        async function seed(): Promise<void> {
            useStack("dev");
            resetRecorded();
            const container = { name: "redis", image: "redis" };
            new k8s.core.v1.Pod("redis", { metadata: { name: "redis" }, spec: { containers: [container] } });
            new k8s.apps.v1.Deployment("redis-deployment", {
                metadata: { name: "redis-deployment" },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: { app: "redis-deployment" } },
                    template: { metadata: { labels: { app: "redis-deployment" } }, spec: { containers: [container] } },
                },
            });
            new k8s.apps.v1.StatefulSet("redis-sfs", {
                metadata: { name: "redis-sfs" },
                spec: {
                    serviceName: "redis-sfs",
                    replicas: 2,
                    selector: { matchLabels: { app: "redis-sfs" } },
                    template: {
                        metadata: { labels: { app: "redis-sfs" } },
                        spec: { containers: [{ ...container, command: ["bash", "-c", "redis-server /tmp/redis.conf"] }] },
                    },
                },
            });
            await settle();
        }

        for (const stack of ["dev", "prod"]) {
            it(`is reported by the bare-Pod, image-pinning and headless-Service policies (${stack} config)`, async () => {
                await seed();
                const reports = await checkPack(policies, entriesFromRecorded(recorded), packConfig(stack));
                const by = (policy: string) => reports.filter(r => r.policy === policy);
                assert.deepEqual(by("kubernetes-core-v1-pod-disallow-bare-pod").map(resourceOf), ["kubernetes:core/v1:Pod redis"]);
                assert.deepEqual(by("kubernetes-workload-require-pinned-image").map(resourceOf).sort(), [
                    "kubernetes:apps/v1:Deployment redis-deployment",
                    "kubernetes:apps/v1:StatefulSet redis-sfs",
                    "kubernetes:core/v1:Pod redis",
                ]);
                assert.deepEqual(
                    by("kubernetes-apps-v1-statefulset-require-headless-service").map(r => r.message),
                    [
                        'StatefulSet "redis-sfs" names Service "redis-sfs" in namespace "default", but this stack creates no such Service, ' +
                            'so `redis-sfs-0.redis-sfs` does not resolve and replicas fail with "Unable to connect to MASTER". ' +
                            'Create a headless Service "redis-sfs" (`clusterIP: None`) selecting the StatefulSet\'s pods.',
                    ],
                );
                const blocking = new Set(reports.filter(r => r.enforcementLevel === "mandatory").map(r => r.policy));
                assert.ok(
                    blocking.has("kubernetes-workload-require-pinned-image") &&
                        blocking.has("kubernetes-apps-v1-statefulset-require-headless-service"),
                );
                assert.equal(blocking.has("kubernetes-core-v1-pod-disallow-bare-pod"), stack === "prod");
            });
        }
    });
});
