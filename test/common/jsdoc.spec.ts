// Every argument and every output of every component is documented: the generated API docs (npm run docs) and
// the package schema show these comments to users in every language.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const COMPONENTS = path.resolve(__dirname, "../../components");

function listTs(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap(e => (e.isDirectory() ? listTs(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

const exported = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some(m => m.kind === ts.SyntaxKind.ExportKeyword);
const documented = (n: ts.Node) =>
    ts.getJSDocCommentsAndTags(n).some(d => ts.isJSDoc(d) && typeof d.comment === "string" && d.comment.trim().length > 0);

/** Undocumented members: fields of exported `*Args` interfaces (and the shared argument types), public fields of exported component classes. */
function undocumented(file: string): string[] {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const rel = path.relative(COMPONENTS, file);
    const missing: string[] = [];
    const visitMembers = (owner: string, members: ts.NodeArray<ts.TypeElement | ts.ClassElement>, publicOnly: boolean) => {
        for (const m of members) {
            if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.name) continue;
            if (
                publicOnly &&
                (ts.getModifiers(m) ?? []).some(x => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)
            )
                continue;
            if (!documented(m)) missing.push(`${rel}: ${owner}.${m.name.getText(source)}`);
            // Nested object literal types: their fields need words too.
            if (ts.isPropertySignature(m) && m.type && ts.isTypeLiteralNode(m.type))
                visitMembers(`${owner}.${m.name.getText(source)}`, m.type.members, false);
            if (ts.isPropertySignature(m) && m.type && ts.isUnionTypeNode(m.type)) {
                for (const t of m.type.types)
                    if (ts.isTypeLiteralNode(t)) visitMembers(`${owner}.${m.name.getText(source)}`, t.members, false);
            }
        }
    };
    source.forEachChild(node => {
        if (!exported(node)) return;
        if (
            ts.isInterfaceDeclaration(node) &&
            /(Args|Ref)$|^(MemcachedSpecInputs|Registry|Resources|KubecacheCluster|MemcachedSpec|MemcachedStatus)$/.test(node.name.text)
        ) {
            visitMembers(node.name.text, node.members, false);
        }
        if (ts.isClassDeclaration(node) && node.name && node.heritageClauses?.some(h => /ComponentResource/.test(h.getText(source)))) {
            if (!documented(node)) missing.push(`${rel}: class ${node.name.text}`);
            visitMembers(node.name.text, node.members, true);
        }
    });
    return missing;
}

describe("JSDoc on every component argument and output", () => {
    it("documents every field of every Args interface and every public output of every component", () => {
        const files = listTs(COMPONENTS);
        assert.ok(files.length > 30, "the walk found the components");
        assert.deepStrictEqual(files.flatMap(undocumented), []);
    });
});
