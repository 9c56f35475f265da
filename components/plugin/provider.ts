/**
 * The component provider behind `pulumi package add` (PulumiPlugin.yaml, runtime nodejs): it serves the
 * components the package root exports to programs in any Pulumi language. The schema comes from the
 * TypeScript declarations, through the Node SDK's own analyzer, with two additions the analyzer does not
 * make: password properties are marked secret, and the analysis starts at the library's entry point
 * (`components/index.ts`) rather than the repository's `index.ts`, which is the stack program.
 */
import * as path from "path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as library from "../index";
import { packageRoot } from "../common/paths";

/** Property names whose values are credentials: always `secret: true` in the schema. */
export const SECRET_PROPERTIES = ["password"];

type PropertySpec = { secret?: boolean; [key: string]: unknown };
type ObjectSpec = { properties?: Record<string, PropertySpec>; inputProperties?: Record<string, PropertySpec> };

/** Marks every credential property of a schema secret: component inputs and outputs, and object types. */
export function markSecrets(schema: { resources?: Record<string, ObjectSpec>; types?: Record<string, ObjectSpec> }): void {
    const mark = (props?: Record<string, PropertySpec>) => {
        for (const [name, spec] of Object.entries(props ?? {})) if (SECRET_PROPERTIES.includes(name)) spec.secret = true;
    };
    for (const r of Object.values(schema.resources ?? {})) {
        mark(r.inputProperties);
        mark(r.properties);
    }
    for (const t of Object.values(schema.types ?? {})) mark(t.properties);
}

export class KubecacheProvider extends ComponentProvider {
    constructor(readonly root: string = packageRoot()) {
        super({ name: "kubecache", dirname: root, components: getPulumiComponents(library) });
    }

    async getSchema(): Promise<string> {
        const self = this as unknown as {
            cachedSchema?: string;
            componentDefinitions?: unknown;
            componentConstructors: Record<string, unknown>;
        };
        if (self.cachedSchema) return self.cachedSchema;
        // Deep imports: the analyzer and schema generator behind ComponentProvider, which has no hook for either change.
        const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
        const { generateSchema } = require("@pulumi/pulumi/provider/experimental/schema");
        const manifest = require(path.join(this.root, "package.json"));
        // components/tsconfig.json holds the library alone, so the analysis neither starts at nor compiles the stack program.
        const analyzer = new Analyzer(
            path.join(this.root, "components"),
            "kubecache",
            { ...manifest, exports: undefined, main: "index.ts" },
            new Set(Object.keys(self.componentConstructors)),
        );
        const { components, typeDefinitions, dependencies } = analyzer.analyze();
        const schema = generateSchema("kubecache", this.version, manifest.description, components, typeDefinitions, dependencies);
        markSecrets(schema);
        self.componentDefinitions = components;
        self.cachedSchema = JSON.stringify(schema);
        return self.cachedSchema;
    }
}
