import * as assert from "assert";
import * as fs from "fs";
import { affectsBuild, buildInputs, hashSources } from "../../components/image/sourceHash";
import { operatorFixture, write } from "./fixture";

describe("operator source hash", () => {
    let dirs: string[] = [];
    const fixture = (extra?: Record<string, string>) => {
        const d = operatorFixture(extra);
        dirs.push(d);
        return d;
    };
    afterEach(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        dirs = [];
    });

    it("covers Go sources, module files and build recipes, not tests, binaries or manifests", () => {
        const dir = fixture({
            "internal/controller/x.go": "package controller\n",
            "internal/controller/x_test.go": "package controller\n",
            "bin/manager": "ELF",
            "config/crd/bases/crd.yaml": "kind: CustomResourceDefinition\n",
            ".git/HEAD": "ref",
        });
        assert.deepStrictEqual(buildInputs(dir), ["Dockerfile", "Makefile", "cmd/main.go", "go.mod", "internal/controller/x.go"]);
        assert.strictEqual(affectsBuild("go.sum"), true);
        assert.strictEqual(affectsBuild("README.md"), false);
    });

    it("changes when a Go source changes and stays put when a test or the binary changes", () => {
        const dir = fixture();
        const before = hashSources(dir);
        assert.match(before, /^[0-9a-f]{64}$/);
        write(dir, "cmd/main_test.go", "package main\n");
        write(dir, "bin/manager", "new binary");
        assert.strictEqual(hashSources(dir), before);
        write(dir, "cmd/main.go", "package main\n\nfunc main() { println() }\n");
        assert.notStrictEqual(hashSources(dir), before);
    });

    it("changes when a file is renamed, not only when contents change", () => {
        const dir = fixture({ "internal/a.go": "package internal\n" });
        const before = hashSources(dir);
        fs.renameSync(`${dir}/internal/a.go`, `${dir}/internal/b.go`);
        assert.notStrictEqual(hashSources(dir), before);
    });

    it("is the same for identical trees in different places", () => {
        assert.strictEqual(hashSources(fixture()), hashSources(fixture()));
    });
});
