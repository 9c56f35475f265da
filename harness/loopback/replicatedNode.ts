/**
 * One RedisReplicated pod on 127.0.0.1: the redis.conf and start script the component renders, written to the
 * node's folder and started as the pod's container would be (the StatefulSet's host name, the password variable).
 */
import * as fs from "fs";
import * as path from "path";
import { redisNodeFiles, renderRedisConf } from "../../components/redis/config";
import { ProcessGroup } from "../processes";
import { LoopbackEngine, engineEnv } from "./engines";

export function startReplicatedNode(o: {
    procs: ProcessGroup;
    engine: LoopbackEngine;
    /** The scratch folder; the node gets `node<ordinal>` in it. */
    dir: string;
    ordinal: number;
    port: number;
    masterPort: number;
    password: string;
    /** What the component would add to redis.conf: a memory cap, a TLS directory. */
    conf?: { maxmemoryBytes?: number; tlsDir?: string };
    /**
     * The password files the pods mount (see SentinelCluster.setPasswords), every data node of the set by port, and
     * the rotation's grace: the node then follows changes of the files as a pod does.
     */
    auth?: { dir: string; nodePorts: number[]; graceSeconds: number };
}): void {
    const node = path.join(o.dir, `node${o.ordinal}`);
    fs.mkdirSync(path.join(node, "data"), { recursive: true });
    const files = redisNodeFiles({
        redisConf: renderRedisConf({ port: o.port, dir: path.join(node, "data"), bind: "127.0.0.1", ...o.conf }),
        confDir: node,
        runtimeDir: path.join(node, "run"),
        master: { host: "127.0.0.1", port: o.masterPort },
        announceHost: { expr: "127.0.0.1" },
        ...(o.auth
            ? {
                  authDir: o.auth.dir,
                  authGraceSeconds: o.auth.graceSeconds,
                  nodes: o.auth.nodePorts.map(port => ({ host: "127.0.0.1", port })),
              }
            : {}),
    });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(node, name), text);
    o.procs.start(
        "sh",
        [path.join(node, "start.sh")],
        { ...engineEnv(o.engine), HOSTNAME: `redis-sfs-${o.ordinal}`, REDIS_PASSWORD: o.password, KC_TLS_RELOAD_SECONDS: "1" },
        path.join(node, "log"),
    );
}
