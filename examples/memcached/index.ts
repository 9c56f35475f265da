// The Memcached operator and two caches, with nothing but the required peers installed: `kubecache/memcached`
// loads no cloud, Docker or command SDK. The operator image is prebuilt here; OperatorImage (kubecache/image)
// builds and pushes one instead, and needs @pulumi/docker and @pulumi/command.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Memcached, MemcachedOperator } from "kubecache/memcached";

const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", {});

// Keeps its CRD when this stack is destroyed (retainCrdOnDelete, default true): other teams' Memcached
// objects live in the same cluster-wide CRD.
const operator = new MemcachedOperator("memcached-operator", { image: config.require("operatorImage"), replicas: 2 }, { provider });

const sessions = new Memcached("sessions", { operator, namespace: "apps", size: 3, memoryMB: 256 }, { provider });
const pages = new Memcached(
    "pages",
    {
        operator,
        namespace: "apps",
        size: 2,
        resources: { requests: { cpu: "100m", memory: "160Mi" }, limits: { memory: "160Mi" } },
        memoryMB: 128,
    },
    { provider },
);

export const sessionsEndpoint = sessions.endpoint;
export const pagesEndpoint = pages.endpoint;
