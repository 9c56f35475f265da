import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A throw-away operator module: enough files for OperatorImage's checks and source hash. */
export function operatorFixture(extra: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-operator-"));
    const files: Record<string, string> = {
        Makefile: "build:\n\tgo build -o bin/manager ./cmd\n",
        Dockerfile: 'FROM scratch\nCOPY bin/manager /manager\nUSER 65532:65532\nENTRYPOINT ["/manager"]\n',
        "go.mod": "module example.com/op\n\ngo 1.24\n",
        "cmd/main.go": "package main\n\nfunc main() {}\n",
        ...extra,
    };
    for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
    return dir;
}

export function write(dir: string, rel: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
}
