import * as alicloud from "@pulumi/alicloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checked, known, requireOneOf } from "../common/validate";
import { createAckNetwork } from "./ackNetwork";
import { checkNodePool, DEFAULT_DESIRED_SIZE, NetworkPlugin, planAckNetwork } from "./ackPlan";
import { AcrRegistryArgs, checkAcrArgs, createAcrRegistry } from "./ackRegistry";
import { Registry } from "../common/types";
import { KubecacheCluster } from "./types";

const COMPONENT = "AckCluster";
/** ACK's managed add-on that keeps ACR pull credentials fresh (clusters >= 1.22). */
export const CLUSTER_SPECS = ["ack.standard", "ack.pro.small", "ack.pro.xlarge", "ack.pro.2xlarge", "ack.pro.4xlarge"];
export const ACR_HELPER_ADDON = "managed-aliyun-acr-credential-helper";

/** One ACK add-on, as the console's "openapi spec" names it. */
export interface AckAddon {
    /** Add-on name, e.g. `csi-plugin`, `logtail-ds`, `aliyun-acr-credential-helper`. */
    name: string;
    /** JSON configuration string, when the add-on takes one. */
    config?: string;
    /** Pinned add-on version; latest when omitted. */
    version?: string;
    /** True to keep a default add-on from being installed. */
    disabled?: boolean;
}

/**
 * Arguments for {@link AckCluster}. Region, zones, CIDRs and instance types are plain values: they
 * decide how many resources exist and are validated before any is created.
 */
export interface AckClusterArgs {
    /** Region id, e.g. `cn-hangzhou`. The component creates its own Alibaba Cloud provider for it unless `opts.provider` is given. */
    region: string;
    /** Zones of `region` for nodes, one vSwitch each, e.g. `["cn-hangzhou-h", "cn-hangzhou-i"]`. At least 2 when `production`. */
    zones: string[];
    /** Production safeguards: deletion protection on and at least two zones required. Defaults to false; a production stack sets it. */
    production?: boolean;
    /** Overrides the deletion protection that `production` implies (cluster and NAT gateway). */
    deletionProtection?: boolean;
    /** Overrides the two-zone minimum that `production` implies. */
    requireMultiZone?: boolean;
    /** ACK cluster name. Defaults to the component name. */
    clusterName?: string;
    /** Control plane tier. Defaults to `ack.pro.small` (SLA-backed; `ack.standard` has none). */
    clusterSpec?: pulumi.Input<string>;
    /** Kubernetes version such as `1.33.1-aliyun.1`; the newest at creation when omitted (ACK never upgrades it silently). */
    kubernetesVersion?: pulumi.Input<string>;
    /** `terway` (pods get VPC addresses from their own vSwitches; default) or `flannel` (overlay in `podCidr`). */
    networkPlugin?: NetworkPlugin;
    /** VPC range. Defaults to `10.0.0.0/16`. */
    vpcCidr?: string;
    /** Node vSwitch ranges, one per zone, inside `vpcCidr`. Default: consecutive /20s from the bottom of the VPC. */
    nodeVswitchCidrs?: string[];
    /** Terway pod vSwitch ranges, one per zone, inside `vpcCidr`. Default: /20s from the top half of the VPC. */
    podVswitchCidrs?: string[];
    /** Flannel pod range, outside the VPC. Defaults to `172.20.0.0/16`. */
    podCidr?: string;
    /** Service range, outside the VPC and pod ranges. Defaults to `172.21.0.0/20`. */
    serviceCidr?: string;
    /** Expose the API server on an internet SLB. Defaults to false: reach it from inside the VPC (bastion, CI runner, VPN). */
    publicApiServer?: boolean;
    /** Ship apiserver, kcm, scheduler and ccm logs to SLS for 30 days. Defaults to true. */
    controlPlaneLogs?: boolean;
    /**
     * Add-ons installed at creation, after the network plugin. Defaults to the CSI plugin and
     * provisioner; the managed ACR credential helper is added whenever `registry` is on.
     */
    addons?: AckAddon[];
    /** ECS instance types for the node pool, in order of preference, e.g. `["ecs.g7.xlarge", "ecs.g6.xlarge"]`. */
    instanceTypes: string[];
    /** Number of nodes, 1 to `maxSize`. Defaults to 2. */
    desiredSize?: pulumi.Input<number>;
    /** Upper bound on `desiredSize`, so a typo cannot order a hundred nodes. Defaults to 10. */
    maxSize?: number;
    /** System disk category. Defaults to `cloud_essd`. */
    systemDiskCategory?: "cloud_essd" | "cloud_essd_entry" | "cloud_auto" | "cloud_efficiency";
    /** System disk size in GiB, 40 to 2048. Defaults to 120. */
    systemDiskSize?: number;
    /** Encrypt system disks with the default KMS key. Defaults to true. */
    systemDiskEncrypted?: boolean;
    /** Outbound bandwidth of the NAT gateway's EIP in Mbit/s (pay by traffic). Defaults to 100. */
    natBandwidth?: number;
    /** ACR Enterprise registry for the operator image; `false` for none. Defaults to a Basic instance. */
    registry?: AcrRegistryArgs | false;
    /** Lifetime of the kubeconfig client certificate in minutes (15 to 4320); a long-lived one when omitted. */
    credentialMinutes?: number;
    /** Access key for the component's own provider; the ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY environment when omitted. */
    credentials?: {
        /** AccessKey id. */
        accessKey: pulumi.Input<string>;
        /** AccessKey secret; wrapped as a secret. */
        secretKey: pulumi.Input<string>;
    };
    /** Tags on every cloud resource. `app: kubecache` is always added. */
    tags?: Record<string, string>;
}

/** A managed ACK cluster in its own VPC, with a node pool, NAT egress and an ACR Enterprise registry. */
export class AckCluster extends pulumi.ComponentResource implements KubecacheCluster {
    /** Admin kubeconfig of the cluster (an ACK cluster credential), always a secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider for the cluster, to pass to every component as `{ provider }`. */
    public readonly provider: k8s.Provider;
    /** The ACR Enterprise registry (VPC endpoint for pulls, temporary token as secret credentials); undefined when `registry` is false. */
    public readonly registry?: Registry;
    /** ACK cluster id. */
    public readonly clusterId: pulumi.Output<string>;
    /** Id of the cluster's VPC. */
    public readonly vpcId: pulumi.Output<string>;

    constructor(name: string, args: AckClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:AckCluster", name, {}, opts);
        const production = args.production ?? false;
        const plan = planAckNetwork({ ...args, requireMultiZone: args.requireMultiZone ?? production });
        checkNodePool({ ...args, desiredSize: known(args.desiredSize) });
        requireOneOf(COMPONENT, "systemDiskCategory", args.systemDiskCategory, [
            "cloud_essd",
            "cloud_essd_entry",
            "cloud_auto",
            "cloud_efficiency",
        ]);
        if (
            args.credentialMinutes !== undefined &&
            !(Number.isInteger(args.credentialMinutes) && args.credentialMinutes >= 15 && args.credentialMinutes <= 4320)
        ) {
            throw new ArgumentError(
                COMPONENT,
                "credentialMinutes",
                `must be an integer from 15 to 4320; got ${JSON.stringify(args.credentialMinutes)}.`,
            );
        }
        if (
            args.natBandwidth !== undefined &&
            !(Number.isInteger(args.natBandwidth) && args.natBandwidth >= 1 && args.natBandwidth <= 200)
        ) {
            throw new ArgumentError(
                COMPONENT,
                "natBandwidth",
                `must be an integer from 1 to 200 Mbit/s; got ${JSON.stringify(args.natBandwidth)}.`,
            );
        }
        requireOneOf(COMPONENT, "clusterSpec", known(args.clusterSpec), CLUSTER_SPECS);
        const version = known(args.kubernetesVersion);
        if (version !== undefined && !/^1\.\d{2}\.\d+-aliyun\.\d+$/.test(version)) {
            throw new ArgumentError(
                COMPONENT,
                "kubernetesVersion",
                `must be an ACK release such as "1.33.1-aliyun.1"; got ${JSON.stringify(version)}.`,
            );
        }
        const clusterName = args.clusterName ?? name;
        if (args.registry !== false) checkAcrArgs(COMPONENT, args.registry ?? {}, clusterName);
        const desiredSize = checked(args.desiredSize ?? DEFAULT_DESIRED_SIZE, n =>
            checkNodePool({ instanceTypes: args.instanceTypes, maxSize: args.maxSize, desiredSize: n }),
        );
        const deletionProtection = args.deletionProtection ?? production;

        // An alicloud provider passed in `opts` wins; otherwise one pinned to `region`, so the stack's
        // default provider region cannot silently disagree with the validated zones.
        const aliProvider =
            this.getProvider("alicloud:cs/managedKubernetes:ManagedKubernetes") ??
            new alicloud.Provider(
                `${name}-alicloud`,
                {
                    region: plan.region,
                    ...(args.credentials
                        ? { accessKey: args.credentials.accessKey, secretKey: pulumi.secret(args.credentials.secretKey) }
                        : {}),
                },
                { parent: this },
            );
        const child: pulumi.CustomResourceOptions = { parent: this, provider: aliProvider };
        const tags = { app: "kubecache", "kubecache-cluster": clusterName, ...args.tags };

        const network = createAckNetwork(name, plan, { opts: child, tags, deletionProtection, eipBandwidth: args.natBandwidth ?? 100 });
        const logs = args.controlPlaneLogs ?? true;
        const pluginAddon = plan.networkPlugin === "terway" ? "terway-eniip" : "flannel";
        const addons: AckAddon[] = [{ name: pluginAddon }, ...(args.addons ?? [{ name: "csi-plugin" }, { name: "csi-provisioner" }])];
        // ACR tokens expire within hours, so an imagePullSecret would go stale: the managed credential
        // helper refreshes pull credentials on the nodes' service accounts instead.
        if (args.registry !== false && !addons.some(a => /acr-credential-helper$/.test(a.name))) {
            addons.push({ name: ACR_HELPER_ADDON });
        }
        const cluster = new alicloud.cs.ManagedKubernetes(
            `${name}-cluster`,
            {
                name: clusterName,
                clusterSpec: args.clusterSpec ?? "ack.pro.small",
                version: args.kubernetesVersion,
                vswitchIds: network.nodeSwitches.map(s => s.id),
                podVswitchIds: plan.networkPlugin === "terway" ? network.podSwitches.map(s => s.id) : undefined,
                podCidr: plan.podCidr,
                serviceCidr: plan.serviceCidr,
                newNatGateway: false,
                slbInternetEnabled: args.publicApiServer ?? false,
                deletionProtection,
                isEnterpriseSecurityGroup: true,
                proxyMode: "ipvs",
                addons,
                controlPlaneLogComponents: logs ? ["apiserver", "kcm", "scheduler", "ccm"] : undefined,
                controlPlaneLogTtl: logs ? "30" : undefined,
                tags,
            },
            {
                ...child,
                // Nodes need the SNAT entries to pull system images while the cluster comes up.
                dependsOn: network.snatEntries,
                customTimeouts: { create: "60m", update: "60m", delete: "40m" },
            },
        );

        const nodePool = new alicloud.cs.NodePool(
            `${name}-nodes`,
            {
                clusterId: cluster.id,
                nodePoolName: `${clusterName}-nodes`,
                vswitchIds: network.nodeSwitches.map(s => s.id),
                instanceTypes: args.instanceTypes,
                multiAzPolicy: "BALANCE",
                desiredSize: desiredSize.apply(String),
                instanceChargeType: "PostPaid",
                systemDiskCategory: args.systemDiskCategory ?? "cloud_essd",
                systemDiskSize: args.systemDiskSize ?? 120,
                systemDiskEncrypted: args.systemDiskEncrypted ?? true,
                imageType: "AliyunLinux3",
                runtimeName: "containerd",
                installCloudMonitor: true,
                tags,
            },
            {
                ...child,
                // The pool name is unique in the cluster, so a replacement must delete the old pool first.
                deleteBeforeReplace: true,
                customTimeouts: { create: "30m", update: "30m", delete: "30m" },
            },
        );

        const credential = alicloud.cs.getClusterCredentialOutput(
            {
                clusterId: cluster.id,
                temporaryDurationMinutes: args.credentialMinutes,
            },
            { parent: this, provider: aliProvider },
        );
        this.kubeconfig = pulumi.secret(credential.kubeConfig);
        this.clusterId = cluster.id;
        this.vpcId = network.vpc.id;
        // The cluster id survives credential rotation, so a new kubeconfig updates the provider in place.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                clusterIdentifier: pulumi.interpolate`ack-${cluster.id}`,
                enableServerSideApply: true,
            },
            { parent: this, dependsOn: [nodePool] },
        ); // workloads wait for nodes instead of timing out Pending

        if (args.registry !== false) {
            const acr = createAcrRegistry(
                name,
                plan.region,
                { instanceName: clusterName, ...args.registry },
                network.vpc.id,
                network.nodeSwitches[0].id,
                child,
            );
            this.registry = { pushServer: acr.pushServer, pullServer: acr.pullServer, username: acr.username, password: acr.password };
        }
        this.registerOutputs({ kubeconfig: this.kubeconfig, clusterId: this.clusterId, vpcId: this.vpcId, registry: this.registry });
    }
}
