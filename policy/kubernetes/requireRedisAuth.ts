import { ResourceValidationPolicy } from "@pulumi/policy";
import { imageBaseName } from "../common/images";
import { containersOf, validateWorkloads } from "../common/workloads";

/** Images that run a Redis server or Sentinel speaking the Redis protocol. */
const REDIS_IMAGES = /^(redis|redis-sentinel|redis-stack-server|valkey|valkey-sentinel)$/;
const SECRET_NAME = /PASS|AUTH/i;

function isRedis(container: any): boolean {
    return typeof container.image === "string" && REDIS_IMAGES.test(imageBaseName(container.image));
}

/** Redis listens unauthenticated by default; the seed's `redis` answers anyone in the cluster. */
export const requireRedisAuth: ResourceValidationPolicy = {
    name: "kubernetes-redis-require-auth",
    description: "Redis containers take a password from a Kubernetes Secret, never from a literal in the manifest.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateWorkloads((template, _args, reportViolation) => {
        for (const { container, label } of containersOf(template.spec, false)) {
            if (!isRedis(container)) continue;
            const env: any[] = container.env ?? [];
            for (const e of env) {
                if (SECRET_NAME.test(e.name ?? "") && e.value !== undefined) {
                    reportViolation(
                        `${template.kind} ${label} sets ${e.name} as a literal, so the password is readable in the manifest and state. ` +
                            "Store it in a Secret and reference it with `valueFrom.secretKeyRef`.",
                    );
                }
            }
            const fromSecret =
                env.some(e => SECRET_NAME.test(e.name ?? "") && e.valueFrom?.secretKeyRef) ||
                (container.envFrom ?? []).some((f: any) => f.secretRef);
            if (!fromSecret) {
                reportViolation(
                    `${template.kind} ${label} runs Redis without a password from a Secret, so anyone who reaches the port can read and write. ` +
                        "Enable auth: put the password in a Secret, pass it as an env var (e.g. REDIS_PASSWORD via `valueFrom.secretKeyRef`) " +
                        "and start Redis with `requirepass`/`masterauth`.",
                );
            }
        }
    }),
};
