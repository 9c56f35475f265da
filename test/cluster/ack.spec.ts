import {
    calls,
    expectRejected,
    findAll,
    findCreated,
    isSecret,
    promiseOf,
    recorded,
    resetRecorded,
    secretAt,
    settle,
    useStack,
} from "../support/mocks";
import * as assert from "assert";
import * as alicloud from "@pulumi/alicloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AckCluster, AckClusterArgs } from "../../components/cluster/ack";
import { CREDENTIAL_TOKEN, installClusterFakes, kubeconfigYaml, TYPES } from "./fixtures";

const ARGS: AckClusterArgs = {
    region: "cn-hangzhou",
    zones: ["cn-hangzhou-h", "cn-hangzhou-i"],
    instanceTypes: ["ecs.g7.xlarge", "ecs.g6.xlarge"],
    desiredSize: 3,
};

// Constructing an AckCluster costs about a second under mocks, so each describe builds one in
// `before` and its tests read that recording.
async function build(stack: string, name: string, args: AckClusterArgs, opts?: pulumi.ComponentResourceOptions): Promise<AckCluster> {
    useStack(stack);
    installClusterFakes();
    resetRecorded();
    const ack = new AckCluster(name, args, opts);
    new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } }, { provider: ack.provider });
    await settle();
    return ack;
}

describe("AckCluster in a prod stack", () => {
    let ack: AckCluster;
    before(async () => {
        ack = await build("prod", "prod", {
            ...ARGS,
            production: true,
            kubernetesVersion: "1.33.1-aliyun.1",
            credentialMinutes: 60,
            registry: { pushAllowedCidrs: ["203.0.113.0/24"] },
        });
    });
    after(() => useStack("dev"));

    it("builds a VPC with a node and a pod vSwitch per zone, one NAT gateway with an EIP, and SNAT for every vSwitch", async () => {
        const vpc = findCreated(TYPES.vpc, "prod-vpc");
        assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
        const switches = findAll(TYPES.vswitch).map(s => [s.name, s.inputs.zoneId, s.inputs.cidrBlock]);
        assert.deepStrictEqual(switches, [
            ["prod-nodes-cn-hangzhou-h", "cn-hangzhou-h", "10.0.0.0/20"],
            ["prod-nodes-cn-hangzhou-i", "cn-hangzhou-i", "10.0.16.0/20"],
            ["prod-pods-cn-hangzhou-h", "cn-hangzhou-h", "10.0.128.0/20"],
            ["prod-pods-cn-hangzhou-i", "cn-hangzhou-i", "10.0.144.0/20"],
        ]);
        for (const s of findAll(TYPES.vswitch)) assert.strictEqual(s.inputs.vpcId, vpc.id);
        const nat = findCreated(TYPES.nat, "prod-nat");
        assert.deepStrictEqual(
            [nat.inputs.natType, nat.inputs.networkType, nat.inputs.paymentType],
            ["Enhanced", "internet", "PayAsYouGo"],
        );
        assert.strictEqual(nat.inputs.vswitchId, findCreated(TYPES.vswitch, "prod-nodes-cn-hangzhou-h").id);
        const eip = findCreated(TYPES.eip, "prod-nat-eip");
        assert.strictEqual(eip.inputs.bandwidth, "100");
        const association = findCreated(TYPES.eipAssociation, "prod-nat-eip");
        assert.deepStrictEqual(
            [association.inputs.allocationId, association.inputs.instanceId, association.inputs.instanceType],
            [eip.id, nat.id, "Nat"],
        );
        const snat = findAll(TYPES.snat);
        assert.deepStrictEqual(
            snat.map(s => s.inputs.sourceVswitchId).sort(),
            findAll(TYPES.vswitch)
                .map(s => s.id)
                .sort(),
        );
        for (const s of snat) assert.deepStrictEqual([s.inputs.snatTableId, s.inputs.snatIp], ["stb-prod-nat", "47.0.0.10"]);
        assert.ok(await promiseOf(ack.vpcId));
    });

    it("creates a private, log-shipping ack.pro.small cluster on the node vSwitches with deletion protection in prod", async () => {
        const c = findCreated(TYPES.cluster, "prod-cluster");
        const id = (name: string) => findCreated(TYPES.vswitch, name).id;
        assert.strictEqual(c.inputs.clusterSpec, "ack.pro.small");
        assert.strictEqual(c.inputs.version, "1.33.1-aliyun.1");
        assert.deepStrictEqual(c.inputs.vswitchIds, [id("prod-nodes-cn-hangzhou-h"), id("prod-nodes-cn-hangzhou-i")]);
        assert.deepStrictEqual(c.inputs.podVswitchIds, [id("prod-pods-cn-hangzhou-h"), id("prod-pods-cn-hangzhou-i")]);
        assert.strictEqual(c.inputs.serviceCidr, "172.21.0.0/20");
        assert.strictEqual(c.inputs.podCidr, undefined);
        assert.strictEqual(c.inputs.deletionProtection, true);
        assert.strictEqual(c.inputs.slbInternetEnabled, false);
        assert.strictEqual(c.inputs.newNatGateway, false);
        assert.deepStrictEqual(c.inputs.controlPlaneLogComponents, ["apiserver", "kcm", "scheduler", "ccm"]);
        assert.strictEqual(c.inputs.controlPlaneLogTtl, "30");
        assert.deepStrictEqual(
            c.inputs.addons.map((a: any) => a.name),
            ["terway-eniip", "csi-plugin", "csi-provisioner", "managed-aliyun-acr-credential-helper"],
        );
        assert.strictEqual(findCreated(TYPES.nat).inputs.deletionProtection, true);
    });

    it("sizes the node pool across zones with encrypted ESSD system disks", async () => {
        const pool = findCreated(TYPES.nodePool, "prod-nodes");
        assert.strictEqual(pool.inputs.clusterId, findCreated(TYPES.cluster).id);
        assert.deepStrictEqual(pool.inputs.instanceTypes, ["ecs.g7.xlarge", "ecs.g6.xlarge"]);
        assert.strictEqual(pool.inputs.desiredSize, "3");
        assert.strictEqual(pool.inputs.vswitchIds.length, 2);
        assert.strictEqual(pool.inputs.multiAzPolicy, "BALANCE");
        assert.deepStrictEqual(
            [pool.inputs.systemDiskCategory, pool.inputs.systemDiskSize, pool.inputs.systemDiskEncrypted],
            ["cloud_essd", 120, true],
        );
    });

    it("reads the kubeconfig through getClusterCredential as a secret and keys the provider on the cluster id", async () => {
        assert.strictEqual(await promiseOf(ack.kubeconfig), kubeconfigYaml());
        assert.ok(await isSecret(ack.kubeconfig));
        const cred = calls.find(c => c.token === CREDENTIAL_TOKEN);
        assert.ok(cred, "getClusterCredential was not invoked");
        assert.strictEqual(cred.inputs.clusterId, findCreated(TYPES.cluster).id);
        assert.strictEqual(cred.inputs.temporaryDurationMinutes, 60);
        assert.match(cred.provider ?? "", /pulumi:providers:alicloud::prod-alicloud::/);
        const provider = findCreated(TYPES.k8sProvider, "prod-k8s");
        assert.ok(secretAt(provider, "kubeconfig"));
        assert.strictEqual(provider.inputs.clusterIdentifier, `ack-${findCreated(TYPES.cluster).id}`);
    });

    it("puts every cloud resource on an alicloud provider pinned to the region", async () => {
        assert.strictEqual(findCreated(TYPES.aliProvider, "prod-alicloud").inputs.region, "cn-hangzhou");
        const cloud = recorded.filter(r => r.type.startsWith("alicloud:"));
        assert.ok(cloud.length >= 15, `only ${cloud.length} alicloud resources`);
        for (const r of cloud) assert.match(r.provider ?? "", /pulumi:providers:alicloud::prod-alicloud::/, `${r.type} ${r.name}`);
    });

    it("creates an ACR Enterprise registry linked to the VPC with secret temporary push credentials", async () => {
        const instance = findCreated(TYPES.acr, "prod-acr");
        assert.deepStrictEqual(
            [instance.inputs.instanceName, instance.inputs.instanceType, instance.inputs.paymentType],
            ["prod", "Basic", "Subscription"],
        );
        assert.deepStrictEqual([instance.inputs.renewalStatus, instance.inputs.renewPeriod], ["AutoRenewal", 1]);
        const ns = findCreated(TYPES.acrNamespace);
        assert.deepStrictEqual([ns.inputs.instanceId, ns.inputs.name, ns.inputs.defaultVisibility], [instance.id, "kubecache", "PRIVATE"]);
        const repo = findCreated(TYPES.acrRepo);
        assert.deepStrictEqual(
            [repo.inputs.namespace, repo.inputs.name, repo.inputs.repoType],
            ["kubecache", "memcached-operator", "PRIVATE"],
        );
        const link = findCreated(TYPES.acrVpc);
        assert.strictEqual(link.inputs.vpcId, findCreated(TYPES.vpc).id);
        assert.deepStrictEqual(findCreated(TYPES.acrInternet).inputs.entries, [{ entry: "203.0.113.0/24", comment: "kubecache-push-0" }]);
        const registry = ack.registry!;
        assert.strictEqual(await promiseOf(registry.pushServer), "kubecache-registry.cn-hangzhou.cr.aliyuncs.com");
        assert.strictEqual(await promiseOf(registry.pullServer!), "kubecache-registry-vpc.cn-hangzhou.cr.aliyuncs.com");
        assert.strictEqual(await promiseOf(registry.password!), "acr-temporary-token");
        assert.ok(await isSecret(pulumi.output(registry.password!)));
        assert.ok(await isSecret(pulumi.output(registry.username!)));
    });

    it("hands its provider to Kubernetes resources created with { provider: cluster.provider }", async () => {
        assert.match(findCreated("kubernetes:core/v1:Namespace", "apps").provider ?? "", /pulumi:providers:kubernetes::prod-k8s::/);
    });
});

describe("AckCluster in a dev stack", () => {
    before(async () => {
        await build("dev", "dev", {
            ...ARGS,
            zones: ["cn-hangzhou-h"],
            networkPlugin: "flannel",
            publicApiServer: true,
            addons: [{ name: "logtail-ds", config: "{}" }],
            registry: false,
        });
    });

    it("has no deletion protection, allows one zone, and takes Flannel, a public API server and custom add-ons", async () => {
        const c = findCreated(TYPES.cluster, "dev-cluster");
        assert.strictEqual(c.inputs.deletionProtection, false);
        assert.strictEqual(findCreated(TYPES.nat).inputs.deletionProtection, false);
        assert.strictEqual(c.inputs.slbInternetEnabled, true);
        assert.strictEqual(c.inputs.podCidr, "172.20.0.0/16");
        assert.strictEqual(c.inputs.podVswitchIds, undefined);
        assert.deepStrictEqual(c.inputs.addons, [{ name: "flannel" }, { name: "logtail-ds", config: "{}" }]);
        assert.strictEqual(findAll(TYPES.vswitch).length, 1);
        assert.strictEqual(findAll(TYPES.snat).length, 1);
    });

    it("creates no registry when it is disabled", async () => {
        assert.strictEqual(findAll(TYPES.acr).length, 0);
        assert.strictEqual(findAll(TYPES.acrVpc).length, 0);
    });
});

describe("AckCluster with defaults and an alicloud provider from opts", () => {
    let ack: AckCluster;
    before(async () => {
        const mine = new alicloud.Provider("mine", { region: "cn-hangzhou" });
        ack = await build("prod", "own", { ...ARGS, desiredSize: pulumi.output(4), registry: { autoRenew: false } }, { providers: [mine] });
    });

    it("uses the given provider instead of creating one", async () => {
        assert.strictEqual(findAll(TYPES.aliProvider).filter(p => p.name === "own-alicloud").length, 0);
        assert.match(findCreated(TYPES.cluster).provider ?? "", /::mine::/);
    });

    it("does not guess production from the stack name: `production` defaults to false even in a stack named prod", () => {
        assert.strictEqual(findCreated(TYPES.cluster).inputs.deletionProtection, false);
        assert.strictEqual(findCreated(TYPES.nat).inputs.deletionProtection, false);
    });

    it("takes a desiredSize that is only known later (checked when it resolves)", () => {
        assert.strictEqual(findCreated(TYPES.nodePool).inputs.desiredSize, "4");
    });

    it("lets the ACR subscription lapse when auto-renewal is off", async () => {
        assert.deepStrictEqual(
            [findCreated(TYPES.acr).inputs.renewalStatus, findCreated(TYPES.acr).inputs.renewPeriod],
            ["ManualRenewal", undefined],
        );
    });

    it("pushes over the VPC endpoint when no internet CIDR is allowed", async () => {
        assert.strictEqual(findAll(TYPES.acrInternet).length, 0);
        assert.strictEqual(await promiseOf(ack.registry!.pushServer), "kubecache-registry-vpc.cn-hangzhou.cr.aliyuncs.com");
    });
});

describe("AckCluster argument validation", () => {
    before(() => {
        useStack("prod");
        installClusterFakes();
    });
    beforeEach(resetRecorded);
    after(() => useStack("dev"));

    const bad: Array<[string, Partial<AckClusterArgs>, RegExp]> = [
        ["an unknown region format", { region: "hangzhou" }, /AckCluster: `region` must be an Alibaba Cloud region id/],
        ["a zone outside the region", { zones: ["cn-hangzhou-h", "cn-beijing-a"] }, /`zones` must hold zone ids of region cn-hangzhou/],
        ["a single zone in production", { zones: ["cn-hangzhou-h"] }, /`zones` must list at least 2 zones in a production stack/],
        ["overlapping VPC and service CIDRs", { serviceCidr: "10.0.0.0/20" }, /`serviceCidr` must not overlap `vpcCidr`/],
        [
            "overlapping pod and service CIDRs",
            { networkPlugin: "flannel", podCidr: "172.21.0.0/16" },
            /`podCidr` must not overlap `serviceCidr`/,
        ],
        ["desiredSize 0", { desiredSize: 0 }, /`desiredSize` must be an integer from 1 to 10; got 0/],
        ["desiredSize above maxSize", { desiredSize: 8, maxSize: 6 }, /`desiredSize` must be an integer from 1 to 6; got 8/],
        ["an empty instance type list", { instanceTypes: [] }, /`instanceTypes` must list at least one ECS instance type/],
        ["a tiny system disk", { systemDiskSize: 20 }, /`systemDiskSize` must be an integer from 40 to 2048/],
        ["an unknown disk category", { systemDiskCategory: "cloud_ssd" as never }, /`systemDiskCategory` must be one of/],
        ["a bad ACR instance name", { registry: { instanceName: "A" } }, /`registry.instanceName` must be 3 to 30/],
        ["a bad push CIDR", { registry: { pushAllowedCidrs: ["everywhere"] } }, /`registry.pushAllowedCidrs` must hold IPv4 CIDR blocks/],
        ["an unknown cluster spec", { clusterSpec: "ack.pro.large" }, /`clusterSpec` must be one of "ack.standard", "ack.pro.small"/],
        [
            "an upstream version string",
            { kubernetesVersion: "v1.33" },
            /`kubernetesVersion` must be an ACK release such as "1.33.1-aliyun.1"/,
        ],
        ["a credential lifetime of a week", { credentialMinutes: 10080 }, /`credentialMinutes` must be an integer from 15 to 4320/],
    ];
    for (const [what, change, pattern] of bad) {
        it(`rejects ${what} before creating anything`, async () => {
            await expectRejected(() => new AckCluster("bad", { ...ARGS, production: true, ...change }), pattern);
        });
    }
});
