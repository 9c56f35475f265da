// Part of `npm run build`: the shell scripts the components mount and the Grafana dashboards they ship are files of
// the package, read at run time from beside the compiled modules, so every components/**/*.sh and
// components/**/dashboards/*.json goes to the same place under bin/.
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".sh") || (e.name.endsWith(".json") && path.basename(dir) === "dashboards")) {
            const to = path.join(root, "bin", path.relative(root, p));
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(p, to);
        }
    }
}
walk(path.join(root, "components"));
