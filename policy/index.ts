import { PolicyPack } from "@pulumi/policy";
import { alicloudPolicies } from "./alicloud";
import { kubernetesPolicies } from "./kubernetes";

// Enforcement and stack-specific settings come from policy/config/<stack>.json (--policy-pack-config).
new PolicyPack("kubecache", {
    description: "kubecache guardrails for Kubernetes workloads and Alibaba Cloud (ACK, ACR, VPC, ECS security groups).",
    enforcementLevel: "mandatory",
    policies: [...kubernetesPolicies, ...alicloudPolicies],
});
