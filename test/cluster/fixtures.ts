import { computed, invokes } from "../support/mocks";

/** A small but complete kubeconfig with two contexts. */
export function kubeconfigYaml(current = "kind-kubecache"): string {
    return `apiVersion: v1
kind: Config
current-context: ${current}
clusters:
  - name: kind-kubecache
    cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: Q0E= }
  - name: staging
    cluster: { server: "https://staging.example.com" }
contexts:
  - name: kind-kubecache
    context: { cluster: kind-kubecache, user: admin }
  - name: staging
    context: { cluster: staging, user: admin }
users:
  - name: admin
    user: { token: not-a-real-token }
`;
}

export const TYPES = {
    command: "command:local:Command",
    k8sProvider: "pulumi:providers:kubernetes",
    aliProvider: "pulumi:providers:alicloud",
    configMap: "kubernetes:core/v1:ConfigMap",
    vpc: "alicloud:vpc/network:Network",
    vswitch: "alicloud:vpc/switch:Switch",
    nat: "alicloud:vpc/natGateway:NatGateway",
    eip: "alicloud:ecs/eipAddress:EipAddress",
    eipAssociation: "alicloud:ecs/eipAssociation:EipAssociation",
    snat: "alicloud:vpc/snatEntry:SnatEntry",
    cluster: "alicloud:cs/managedKubernetes:ManagedKubernetes",
    nodePool: "alicloud:cs/nodePool:NodePool",
    acr: "alicloud:cr/registryEnterpriseInstance:RegistryEnterpriseInstance",
    acrNamespace: "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace",
    acrRepo: "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo",
    acrVpc: "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc",
    acrInternet: "alicloud:cr/internetEndpoint:InternetEndpoint",
} as const;

export const CREDENTIAL_TOKEN = "alicloud:cs/getClusterCredential:getClusterCredential";
export const ACR_INSTANCES_TOKEN = "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances";

/** Computed fields and invoke results the cluster components read, as a real provider would return them. */
export function installClusterFakes(): void {
    computed[TYPES.command] = (name, inputs) => ({
        stdout: name.endsWith("-kubeconfig")
            ? kubeconfigYaml()
            : String(inputs.create ?? "").includes("localhost:")
              ? "localhost:5001"
              : "",
        stderr: "",
    });
    computed[TYPES.nat] = name => ({ snatTableIds: `stb-${name}`, forwardTableIds: `ftb-${name}` });
    computed[TYPES.eip] = () => ({ ipAddress: "47.0.0.10" });
    invokes[CREDENTIAL_TOKEN] = inputs => ({
        id: inputs.clusterId,
        clusterId: inputs.clusterId,
        clusterName: "kubecache",
        expiration: "",
        kubeConfig: kubeconfigYaml(),
        certificateAuthority: {},
    });
    invokes[ACR_INSTANCES_TOKEN] = inputs => ({
        id: "acr",
        ids: inputs.ids,
        names: ["kubecache"],
        enableDetails: true,
        instances: [
            {
                id: inputs.ids?.[0],
                name: "kubecache",
                region: "cn-hangzhou",
                specification: "Basic",
                authorizationToken: "acr-temporary-token",
                tempUsername: "cr_temp_user",
                publicEndpoints: ["kubecache-registry.cn-hangzhou.cr.aliyuncs.com"],
                vpcEndpoints: ["kubecache-registry-vpc.cn-hangzhou.cr.aliyuncs.com"],
                namespaceQuota: "3",
                namespaceUsage: "1",
                repoQuota: "300",
                repoUsage: "1",
                tags: {},
            },
        ],
    });
}
