// A program of its own that uses kubecache's Redis components, installed with nothing but the two required
// peers (@pulumi/pulumi, @pulumi/kubernetes): `kubecache/redis` loads no cloud, Docker or command SDK.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RedisReplicated, RedisReplicatedArgs, RedisStandalone } from "kubecache/redis";

const config = new pulumi.Config();
const provider = new k8s.Provider("team-cluster", {});
// A password from the stack's secret config; without one, kubecache generates it with @pulumi/random
// (an optional peer: `npm install @pulumi/random`).
const auth = { password: config.requireSecret("redisPassword") };

const sessionsArgs: RedisReplicatedArgs = {
    namespace: "team-a",
    replicas: 3,
    persistence: { enabled: true, size: "4Gi" },
    auth,
    // The exporters and the topology's Grafana dashboard (a file of the package, read from beside its modules).
    metrics: { enabled: true, dashboards: { enabled: true } },
};
const sessions = new RedisReplicated("sessions", sessionsArgs, { provider });
const scratch = new RedisStandalone("scratch", { namespace: "team-a", maxmemory: "64Mi", auth }, { provider });

export const sessionsWrite = sessions.masterEndpoint;
export const sessionsRead = sessions.readEndpoint;
export const scratchEndpoint = scratch.endpoint;
export const passwordSecret = sessions.passwordSecretName;
