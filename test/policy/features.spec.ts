import { recorded, resetRecorded, settle, useStack } from "../support/mocks";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { kubernetesPolicies } from "../../policy/kubernetes";
import { TOPOLOGIES } from "../redis/topologies";
import { checkPack, entriesFromRecorded, PackConfig } from "./harness";

const prod: PackConfig = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/config/prod.json"), "utf8"));

// Sidecars, Certificates, monitors and user Secrets are new objects and containers: each must meet the
// same policies as the rest (pinned images, resources, probes, restricted security context, auth).
describe("the policy pack against the Redis components with every production feature on", () => {
    after(() => useStack("dev"));

    for (const t of TOPOLOGIES) {
        it(`${t.component}: nothing the features add is reported under the prod config`, async () => {
            useStack("prod");
            resetRecorded();
            t.make("full", {
                namespace: "cache",
                ...(t.component === "RedisReplicated" ? { replicas: 3 } : {}),
                ...(t.component === "RedisStandalone" ? {} : { persistence: { enabled: true } }),
                tls: { enabled: true, issuerRef: { name: "ca", kind: "ClusterIssuer" } },
                users: [{ name: "app", rules: "~app:* +@read +@write" }],
                extraConfig: { hz: "20" },
                metrics: {
                    enabled: true,
                    serviceMonitor: { enabled: true },
                    podMonitor: { enabled: true },
                    prometheusRule: { enabled: true },
                },
                scheduling: { zoneSpread: "required", priorityClassName: "cache" },
            });
            await settle();
            const reports = await checkPack(kubernetesPolicies, entriesFromRecorded(recorded), prod);
            const mandatory = reports.filter(r => r.enforcementLevel === "mandatory").map(r => `[${r.policy}] ${r.message}`);
            // One standalone server is one pod by design (the prod stack runs none): only that is reported.
            const expected =
                t.component === "RedisStandalone"
                    ? [
                          /^\[kubernetes-apps-v1-workload-minimum-replicas\] Deployment "full"/,
                          /^\[kubernetes-policy-v1-workload-require-pod-disruption-budget\] Deployment "full"/,
                      ]
                    : [];
            assert.equal(mandatory.length, expected.length, mandatory.join("\n"));
            expected.forEach((re, i) => assert.match(mandatory.sort()[i], re));
            assert.ok(
                recorded.some(r => r.type === "kubernetes:cert-manager.io/v1:Certificate"),
                "the features were on",
            );
        });
    }
});
