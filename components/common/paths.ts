/**
 * Where the package's own files are: the operator's source and generated manifests ship beside `bin/components`
 * (`files` in package.json), so their paths are resolved from the package root, not from the module asking.
 * Shared by memcached/ (the manifests), image/ (the operator's build context) and plugin/ (the schema).
 */
import * as fs from "fs";
import * as path from "path";

/** The nearest directory at or above `from` that holds a package.json: the repo root under ts-node, the package root when compiled. */
export function packageRoot(from: string = __dirname): string {
    let dir = path.resolve(from);
    for (;;) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no package.json at or above ${from}`);
        dir = parent;
    }
}

/** The operator's Go module (`operator/`) in the package. */
export function operatorDir(root: string = packageRoot()): string {
    return path.join(root, "operator");
}
