import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireRestrictedSecurityContext } from "../../../policy/kubernetes/requireRestrictedSecurityContext";
import { deployment, pod } from "../fixtures";
import { checkResource } from "../harness";

const policy = requireRestrictedSecurityContext;
const message = (settings: string) =>
    'Deployment container "redis" does not meet the restricted Pod Security Standard. ' +
    `Set ${settings} in its securityContext (or the pod's, where inherited).`;

async function messagesAfter(change: (spec: any, sc: any) => void): Promise<string[]> {
    const d = deployment();
    change(d.spec.template.spec, d.spec.template.spec.containers[0].securityContext);
    return (await checkResource(policy, k8s.apps.v1.Deployment, d)).messages;
}

describe("policy kubernetes-workload-require-restricted-security-context", () => {
    it("accepts the restricted settings", async () => {
        assert.deepEqual(await messagesAfter(() => undefined), []);
    });

    it("accepts runAsNonRoot and seccomp inherited from the pod", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                delete sc.runAsNonRoot;
                delete sc.seccompProfile;
            }),
            [],
        );
    });

    it("reports runAsNonRoot missing on both pod and container", async () => {
        const messages = await messagesAfter((spec, sc) => {
            delete sc.runAsNonRoot;
            delete spec.securityContext.runAsNonRoot;
        });
        assert.deepEqual(messages, [message("`runAsNonRoot: true`")]);
    });

    it("reports runAsUser 0", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                sc.runAsUser = 0;
            }),
            [message("a non-zero `runAsUser`")],
        );
    });

    it("reports a privileged container", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                sc.privileged = true;
            }),
            [message("`privileged: false`")],
        );
    });

    it("reports allowPrivilegeEscalation left on", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                delete sc.allowPrivilegeEscalation;
            }),
            [message("`allowPrivilegeEscalation: false`")],
        );
    });

    it("reports capabilities not dropped", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                sc.capabilities.drop = ["NET_RAW"];
            }),
            [message('`capabilities.drop: ["ALL"]`')],
        );
    });

    it("reports an Unconfined seccomp profile", async () => {
        assert.deepEqual(
            await messagesAfter((_spec, sc) => {
                sc.seccompProfile = { type: "Unconfined" };
            }),
            [message("`seccompProfile.type: RuntimeDefault`")],
        );
    });

    it("checks bare Pods' containers", async () => {
        const p = pod();
        delete p.spec.containers[0].securityContext;
        delete p.spec.securityContext;
        const outcome = await checkResource(policy, k8s.core.v1.Pod, p);
        assert.deepEqual(outcome.messages, [
            'Pod container "redis" does not meet the restricted Pod Security Standard. Set `runAsNonRoot: true`, ' +
                '`allowPrivilegeEscalation: false`, `capabilities.drop: ["ALL"]`, `seccompProfile.type: RuntimeDefault` ' +
                "in its securityContext (or the pod's, where inherited).",
        ]);
    });
});
