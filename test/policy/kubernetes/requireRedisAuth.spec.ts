import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireRedisAuth } from "../../../policy/kubernetes/requireRedisAuth";
import { deployment } from "../fixtures";
import { checkResource } from "../harness";

const noAuth =
    'Deployment container "redis" runs Redis without a password from a Secret, so anyone who reaches the port can read and write. ' +
    "Enable auth: put the password in a Secret, pass it as an env var (e.g. REDIS_PASSWORD via `valueFrom.secretKeyRef`) " +
    "and start Redis with `requirepass`/`masterauth`.";

function withEnv(env: any[] | undefined, image = "redis:7.4.2-bookworm"): any {
    const d = deployment();
    d.spec.template.spec.containers[0].env = env;
    d.spec.template.spec.containers[0].image = image;
    return d;
}

describe("policy kubernetes-redis-require-auth", () => {
    it("accepts a password from a Secret", async () => {
        assert.deepEqual((await checkResource(requireRedisAuth, k8s.apps.v1.Deployment, deployment())).messages, []);
    });

    it("accepts envFrom a Secret", async () => {
        const d = withEnv(undefined);
        d.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: "cache-auth" } }];
        assert.deepEqual((await checkResource(requireRedisAuth, k8s.apps.v1.Deployment, d)).messages, []);
    });

    it("reports Redis without any password", async () => {
        const outcome = await checkResource(requireRedisAuth, k8s.apps.v1.Deployment, withEnv(undefined));
        assert.deepEqual(outcome.messages, [noAuth]);
    });

    it("reports a literal password and the missing Secret", async () => {
        const outcome = await checkResource(
            requireRedisAuth,
            k8s.apps.v1.Deployment,
            withEnv([{ name: "REDIS_PASSWORD", value: "hunter2" }]),
        );
        assert.deepEqual(outcome.messages, [
            'Deployment container "redis" sets REDIS_PASSWORD as a literal, so the password is readable in the manifest and state. ' +
                "Store it in a Secret and reference it with `valueFrom.secretKeyRef`.",
            noAuth,
        ]);
    });

    it("recognises Redis by image name, including registry paths and Sentinel images", async () => {
        for (const image of ["docker.io/bitnami/redis:7.4.2", "localhost:5001/library/redis:7.4.2", "bitnami/redis-sentinel:7.4.2"]) {
            const outcome = await checkResource(requireRedisAuth, k8s.apps.v1.Deployment, withEnv(undefined, image));
            assert.equal(outcome.messages.length, 1, image);
        }
    });

    it("ignores non-Redis containers", async () => {
        for (const image of ["memcached:1.6.38", "oliver006/redis_exporter:v1.67.0", "haproxy:3.0.8"]) {
            const outcome = await checkResource(requireRedisAuth, k8s.apps.v1.Deployment, withEnv(undefined, image));
            assert.deepEqual(outcome.messages, [], image);
        }
    });
});
