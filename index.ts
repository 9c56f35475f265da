// The kubecache stack program. Config is read and checked in stack/config.ts; the wiring is stack/index.ts.
import { deployStack } from "./stack";

export const { redis, operatorImage, memcached, namespace, kubeconfig, registryPushServer } = deployStack();
