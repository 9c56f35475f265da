import { ResourceValidationPolicy } from "@pulumi/policy";
import { unpinnedReason } from "../common/images";
import { containersOf, validateWorkloads } from "../common/workloads";

/** The seed deploys bare `redis`, which silently becomes a different Redis on the next pull. */
export const requirePinnedImages: ResourceValidationPolicy = {
    name: "kubernetes-workload-require-pinned-image",
    description: "Every container image names an explicit tag other than `latest`, or a digest.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateWorkloads((template, _args, reportViolation) => {
        for (const { container, label } of containersOf(template.spec, true)) {
            const image = container.image;
            if (typeof image !== "string" || image === "") {
                reportViolation(
                    `${template.kind} ${label} has no image. Set \`image\` to a tagged reference such as "redis:7.4.2-bookworm".`,
                );
                continue;
            }
            const reason = unpinnedReason(image);
            if (reason) {
                reportViolation(
                    `${template.kind} ${label} image "${image}" ${reason}, so each pull may run different code. ` +
                        'Pin it to an explicit version tag (e.g. "redis:7.4.2-bookworm") or a digest ("redis@sha256:…").',
                );
            }
        }
    }),
};
