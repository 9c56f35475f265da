import { computed, expectRejected, findCreated, isSecret, promiseOf, recorded, resetRecorded, secretAt, settle } from "../support/mocks";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { buildTriggers, OperatorImage, pinnedRef } from "../../components/image/operatorImage";
import { hashSources } from "../../components/image/sourceHash";
import { operatorFixture, write } from "./fixture";

const IMAGE = "docker:index/image:Image";
const COMMAND = "command:local:Command";
const DIGEST = "sha256:" + "ab".repeat(32);

describe("OperatorImage", () => {
    let dir: string;
    const registry = () => ({ pushServer: pulumi.output("localhost:5001"), pullServer: pulumi.output("kind-registry:5000") });

    let shared: (typeof computed)[string];
    before(() => {
        shared = computed[IMAGE];
        // The docker provider reports the pushed manifest as `<imageName without tag>@<digest>`.
        computed[IMAGE] = (_name, inputs) => ({
            repoDigest: inputs.skipPush ? DIGEST : `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${DIGEST}`,
        });
    });
    after(() => {
        computed[IMAGE] = shared;
    });
    beforeEach(() => {
        resetRecorded();
        dir = operatorFixture();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs the build command in the operator module with the source hash as trigger", async () => {
        new OperatorImage("op", { registry: registry(), sourceDir: dir });
        await settle();
        const cmd = findCreated(COMMAND, "op-manager");
        assert.strictEqual(cmd.inputs.create, "make build");
        assert.strictEqual(cmd.inputs.dir, dir);
        assert.deepStrictEqual(cmd.inputs.environment, { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64" });
        assert.deepStrictEqual(cmd.inputs.triggers, [hashSources(dir), "linux/amd64", "make build", "manager binary missing"]);
    });

    it("re-runs the build in a fresh checkout whose sources match the state but whose binary is missing", async () => {
        write(dir, "bin/manager", "ELF");
        new OperatorImage("built", { registry: registry(), sourceDir: dir });
        await settle();
        assert.deepStrictEqual(findCreated(COMMAND, "built-manager").inputs.triggers, [hashSources(dir), "linux/amd64", "make build"]);
        assert.deepStrictEqual(buildTriggers("h", "linux/amd64", "make build", false), [
            "h",
            "linux/amd64",
            "make build",
            "manager binary missing",
        ]);
    });

    it("builds the Dockerfile for the platform and pushes to the push server under a source-hash tag", async () => {
        const img = new OperatorImage("op", { registry: registry(), sourceDir: dir, platform: "linux/arm64" });
        await settle();
        const image = findCreated(IMAGE, "op");
        assert.deepStrictEqual(image.inputs.build, { context: dir, dockerfile: path.join(dir, "Dockerfile"), platform: "linux/arm64" });
        const tag = `src-${hashSources(dir).slice(0, 12)}`;
        assert.strictEqual(image.inputs.imageName, `localhost:5001/kubecache/memcached-operator:${tag}`);
        assert.strictEqual(image.inputs.registry.server, "localhost:5001");
        assert.strictEqual(image.inputs.skipPush, false);
        assert.strictEqual(findCreated(COMMAND).inputs.environment.GOARCH, "arm64");
        assert.strictEqual(await promiseOf(img.imageName), image.inputs.imageName);
    });

    it("pins imageRef by digest, on the host the nodes pull from", async () => {
        const img = new OperatorImage("op", { registry: registry(), sourceDir: dir, tag: "0.1.0" });
        assert.strictEqual(await promiseOf(img.imageRef), `kind-registry:5000/kubecache/memcached-operator@${DIGEST}`);
    });

    it("a changed Go source gives a new tag and trigger; the same tree gives the same ones", async () => {
        new OperatorImage("a", { registry: registry(), sourceDir: dir });
        await settle();
        const first = findCreated(IMAGE, "a").inputs.imageName;
        write(dir, "cmd/main.go", "package main\n\nfunc main() { panic(1) }\n");
        new OperatorImage("b", { registry: registry(), sourceDir: dir });
        await settle();
        assert.notStrictEqual(findCreated(IMAGE, "b").inputs.imageName, first);
        assert.notDeepStrictEqual(findCreated(COMMAND, "b-manager").inputs.triggers, findCreated(COMMAND, "a-manager").inputs.triggers);
    });

    it("passes registry credentials to the push as a secret and never in outputs", async () => {
        const img = new OperatorImage("op", {
            registry: { ...registry(), username: pulumi.output("pusher"), password: pulumi.output("s3cret") },
            sourceDir: dir,
        });
        await settle();
        const image = findCreated(IMAGE);
        assert.strictEqual(image.inputs.registry.username, "pusher");
        assert.strictEqual(image.inputs.registry.password, "s3cret");
        assert.strictEqual(secretAt(image, "registry.password"), true);
        for (const out of [img.imageRef, img.imageName, img.sourceHash]) {
            assert.ok(!JSON.stringify(await promiseOf(out)).includes("s3cret"));
        }
        const component = recorded.find(r => r.type === "kubecache:index:OperatorImage")!;
        assert.ok(!JSON.stringify(component.inputs).includes("s3cret"), "the component's own inputs stay clean");
    });

    it("marks the password secret even when the caller passed it in plain text", async () => {
        let seen: pulumi.Output<unknown> | undefined;
        const capture: pulumi.ResourceTransformation = a => {
            if (a.type === IMAGE) seen = pulumi.output((a.props as any).registry).apply(r => r.password);
            return undefined;
        };
        const parent = new pulumi.ComponentResource("test:index:Parent", "p", {}, { transformations: [capture] });
        new OperatorImage("op", { registry: { ...registry(), username: "u", password: "plain" }, sourceDir: dir }, { parent });
        await settle();
        assert.ok(seen, "the image was constructed");
        assert.strictEqual(await isSecret(seen!), true);
        assert.strictEqual(await promiseOf(seen!), "plain");
    });

    it("orders the image after the build command", async () => {
        const deps: Record<string, pulumi.Input<pulumi.Resource>[] | undefined> = {};
        const capture: pulumi.ResourceTransformation = a => {
            deps[a.type] = a.opts.dependsOn as pulumi.Input<pulumi.Resource>[];
            return undefined;
        };
        const parent = new pulumi.ComponentResource("test:index:Parent", "p", {}, { transformations: [capture] });
        new OperatorImage("op", { registry: registry(), sourceDir: dir }, { parent });
        const dependsOn = deps[IMAGE]!;
        assert.strictEqual(dependsOn.length, 1);
        assert.ok(command.local.Command.isInstance(dependsOn[0]), "the image depends on the build command");
        assert.strictEqual(await promiseOf((dependsOn[0] as command.local.Command).create), "make build");
    });

    it("with skipPush builds without registry credentials and gives a tag-based ref", async () => {
        const img = new OperatorImage("op", { sourceDir: dir, skipPush: true, tag: "dev" });
        await settle();
        const image = findCreated(IMAGE);
        assert.strictEqual(image.inputs.skipPush, true);
        assert.strictEqual(image.inputs.registry, undefined);
        assert.strictEqual(image.inputs.imageName, "kubecache/memcached-operator:dev");
        assert.strictEqual(await promiseOf(img.imageRef), "kubecache/memcached-operator:dev");
    });

    describe("pinnedRef", () => {
        it("keeps the digest and swaps the host", () => {
            assert.strictEqual(pinnedRef("reg:5000", "a/b", `localhost:5001/a/b@${DIGEST}`), `reg:5000/a/b@${DIGEST}`);
        });
        it("fails on a local image id or a malformed digest instead of producing an unpinned ref", () => {
            assert.throws(() => pinnedRef("reg", "a/b", DIGEST), /no manifest digest/);
            assert.throws(() => pinnedRef("reg", "a/b", "localhost/a/b@sha256:xyz"), /no manifest digest/);
        });
    });

    describe("rejects bad arguments before creating anything", () => {
        const cases: [string, () => unknown, RegExp][] = [
            ["no registry without skipPush", () => new OperatorImage("x", { sourceDir: dir }), /`registry` is required unless `skipPush`/],
            [
                "username without password",
                () => new OperatorImage("x", { sourceDir: dir, registry: { pushServer: "r", username: "u" } }),
                /`registry.password`/,
            ],
            [
                "upper-case repository",
                () => new OperatorImage("x", { sourceDir: dir, skipPush: true, repository: "Kube/Op" }),
                /`repository`/,
            ],
            [
                "latest tag",
                () => new OperatorImage("x", { sourceDir: dir, skipPush: true, tag: "latest" }),
                /`tag` must be a Docker tag other than "latest"/,
            ],
            ["tag with a slash", () => new OperatorImage("x", { sourceDir: dir, skipPush: true, tag: "a/b" }), /`tag`/],
            [
                "unknown platform",
                () => new OperatorImage("x", { sourceDir: dir, skipPush: true, platform: "windows/amd64" as any }),
                /`platform` must be one of/,
            ],
            [
                "source dir without Dockerfile",
                () => new OperatorImage("x", { sourceDir: path.join(dir, "cmd"), skipPush: true }),
                /`sourceDir` must hold the operator's Makefile/,
            ],
        ];
        for (const [what, fn, pattern] of cases) {
            it(what, () => expectRejected(fn, pattern));
        }
    });
});
