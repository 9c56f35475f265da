import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireReadOnlyRootFilesystem } from "../../../policy/kubernetes/requireReadOnlyRootFilesystem";
import { statefulSet } from "../fixtures";
import { checkResource } from "../harness";

describe("policy kubernetes-workload-require-read-only-root-filesystem", () => {
    it("accepts a read-only root file system", async () => {
        const outcome = await checkResource(requireReadOnlyRootFilesystem, k8s.apps.v1.StatefulSet, statefulSet());
        assert.deepEqual(outcome.messages, []);
    });

    it("reports a writable root file system", async () => {
        const sts = statefulSet();
        sts.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
        const outcome = await checkResource(requireReadOnlyRootFilesystem, k8s.apps.v1.StatefulSet, sts);
        assert.deepEqual(outcome.messages, [
            'StatefulSet container "redis" has a writable root file system. Set `securityContext.readOnlyRootFilesystem: true` ' +
                "and mount an emptyDir or PVC where it must write (e.g. /data, /tmp).",
        ]);
    });
});
