import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Directories whose contents never reach the manager binary or the image. */
const SKIP_DIRS = new Set(["bin", "config", "testdata", "hack", "node_modules"]);

/** Files that change the binary or the image: Go sources (not tests), module files, build and image recipes. */
export function affectsBuild(relPath: string): boolean {
    const base = path.basename(relPath);
    if (base.endsWith("_test.go")) return false;
    return base.endsWith(".go") || ["go.mod", "go.sum", "Makefile", "Dockerfile", ".dockerignore"].includes(base);
}

/** Paths (relative, `/`-separated, sorted) of the files {@link hashSources} covers. */
export function buildInputs(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string): void => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const child = rel ? `${rel}/${entry.name}` : entry.name;
            if (entry.isDirectory()) {
                if (!entry.name.startsWith(".") && !SKIP_DIRS.has(entry.name)) walk(child);
            } else if (entry.isFile() && affectsBuild(child)) {
                out.push(child);
            }
        }
    };
    walk("");
    return out.sort();
}

/**
 * SHA-256 over the names and contents of the build inputs under `dir`. Used as the build command's
 * trigger, so `pulumi up` rebuilds the manager exactly when something that goes into it changed.
 */
export function hashSources(dir: string): string {
    const h = crypto.createHash("sha256");
    for (const rel of buildInputs(dir)) {
        h.update(rel)
            .update("\0")
            .update(fs.readFileSync(path.join(dir, rel)))
            .update("\0");
    }
    return h.digest("hex");
}
