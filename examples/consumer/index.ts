import * as k8s from "@pulumi/kubernetes";
import { RedisReplicated, RedisReplicatedArgs, RedisStandalone } from "kubecache";

const provider = new k8s.Provider("team-cluster", {});

const sessionsArgs: RedisReplicatedArgs = {
    namespace: "team-a",
    replicas: 3,
    persistence: { enabled: true, size: "4Gi" },
};
const sessions = new RedisReplicated("sessions", sessionsArgs, { provider });
const scratch = new RedisStandalone("scratch", { namespace: "team-a", maxmemory: "64Mi" }, { provider });

export const sessionsWrite = sessions.masterEndpoint;
export const sessionsRead = sessions.readEndpoint;
export const scratchEndpoint = scratch.endpoint;
export const passwordSecret = sessions.passwordSecretName;
