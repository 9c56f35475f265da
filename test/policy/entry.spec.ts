import "../support/mocks";
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { alicloudPolicies } from "../../policy/alicloud";
import { kubernetesPolicies } from "../../policy/kubernetes";

const POLICY_DIR = path.join(__dirname, "../../policy");
const { MANDATORY, ADVISORY } = analyzerproto.EnforcementLevel;

/** Starts policy/index.ts the way the analyzer host does and resolves the port it prints. */
function startPack(): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", "require('./index.ts')"], {
        cwd: POLICY_DIR,
        stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => reject(new Error(`the pack printed no port in 25 s: ${err}`)), 25_000);
        child.stderr!.on("data", d => {
            err += d;
        });
        child.stdout!.on("data", d => {
            out += d;
            const m = /^(\d+)\s/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve({ child, port: Number(m[1]) });
            }
        });
        child.on("exit", code => {
            clearTimeout(timer);
            reject(new Error(`the pack exited with ${code}: ${err}`));
        });
    });
}

function call<T>(fn: (cb: (e: grpc.ServiceError | null, r: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>): analyzerproto.AnalyzeRequest {
    const options = new analyzerproto.AnalyzerResourceOptions();
    options.setCustomtimeouts(new analyzerproto.AnalyzerResourceOptions.CustomTimeouts());
    return new analyzerproto.AnalyzeRequest()
        .setType(type)
        .setName(name)
        .setUrn(`urn:pulumi:prod::kubecache::${type}::${name}`)
        .setProperties(Struct.fromJavaScript(props as any))
        .setOptions(options);
}

describe("policy/index.ts served as an analyzer (what `pulumi preview --policy-pack policy` starts)", function () {
    this.timeout(40_000);
    let child: ChildProcess | undefined;
    let client: analyzerrpc.AnalyzerClient;

    before(async () => {
        const started = await startPack();
        child = started.child;
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        if (child?.pid) process.kill(child.pid);
    });

    it("serves every policy, mandatory unless configured otherwise", async () => {
        const info = await call<analyzerproto.AnalyzerInfo>(cb => client.getAnalyzerInfo(new Empty(), cb));
        assert.equal(info.getName(), "kubecache");
        const served = info.getPoliciesList();
        assert.deepEqual(served.map(p => p.getName()).sort(), [...kubernetesPolicies, ...alicloudPolicies].map(p => p.name).sort());
        assert.ok(served.every(p => p.getEnforcementlevel() === MANDATORY));
    });

    it("applies policy/config/prod.json and reports the seed's bare Pod; unknown preview values are not violations", async () => {
        const config = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "config/prod.json"), "utf8"));
        const request = new analyzerproto.ConfigureAnalyzerRequest();
        for (const [name, { enforcementLevel, ...properties }] of Object.entries<any>(config)) {
            request
                .getPolicyconfigMap()
                .set(
                    name,
                    new analyzerproto.PolicyConfig()
                        .setEnforcementlevel(enforcementLevel === "mandatory" ? MANDATORY : ADVISORY)
                        .setProperties(Struct.fromJavaScript(properties)),
                );
        }
        await call(cb => client.configure(request, cb));

        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "redis" },
            spec: { containers: [{ name: "redis", image: "redis" }] },
        };
        const response = await call<analyzerproto.AnalyzeResponse>(cb =>
            client.analyze(analyzeRequest("kubernetes:core/v1:Pod", "redis", pod), cb),
        );
        const byPolicy = new Map(response.getDiagnosticsList().map(d => [d.getPolicyname(), d]));
        assert.equal(byPolicy.get("kubernetes-core-v1-pod-disallow-bare-pod")?.getEnforcementlevel(), MANDATORY);
        assert.match(byPolicy.get("kubernetes-workload-require-pinned-image")?.getMessage() ?? "", /image "redis" has no tag/);

        const unknownImage = structuredClone(pod);
        unknownImage.spec.containers[0].image = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const preview = await call<analyzerproto.AnalyzeResponse>(cb =>
            client.analyze(analyzeRequest("kubernetes:core/v1:Pod", "redis", unknownImage), cb),
        );
        const pinning = preview.getDiagnosticsList().find(d => d.getPolicyname() === "kubernetes-workload-require-pinned-image");
        assert.equal(pinning?.getEnforcementlevel(), ADVISORY);
        assert.match(pinning?.getMessage() ?? "", /can't run policy .* during preview/);
    });
});
