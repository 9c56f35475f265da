// The package schema `pulumi package add` derives from the TypeScript declarations (components/plugin), as
// programs in other languages see the components: every argument and output typed and documented, every
// credential secret. Built in-process by the same provider class the plugin host serves.
import * as assert from "assert";
import { KubecacheProvider, SECRET_PROPERTIES } from "../../components/plugin/provider";

type Property = { type?: string; $ref?: string; items?: Property; additionalProperties?: Property; description?: string; secret?: boolean };
type Schema = {
    name: string;
    resources: Record<
        string,
        { isComponent: boolean; inputProperties: Record<string, Property>; properties: Record<string, Property>; description?: string }
    >;
    types: Record<string, { type: string; properties?: Record<string, Property>; enum?: { name: string; value: unknown }[] }>;
    dependencies?: { name: string; version: string }[];
};

/** Every property of the schema, named `<owner>.<property>`, with where it sits. */
function allProperties(schema: Schema): [string, Property][] {
    const out: [string, Property][] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
        for (const [k, p] of Object.entries(r.inputProperties ?? {})) out.push([`${token} input ${k}`, p]);
        for (const [k, p] of Object.entries(r.properties ?? {})) out.push([`${token} output ${k}`, p]);
    }
    for (const [token, t] of Object.entries(schema.types)) {
        for (const [k, p] of Object.entries(t.properties ?? {})) out.push([`${token}.${k}`, p]);
    }
    return out;
}

describe("the package schema (PulumiPlugin.yaml's component provider)", function () {
    this.timeout(120_000);
    let schema: Schema;
    before(async () => {
        schema = JSON.parse(await new KubecacheProvider().getSchema());
    });

    it("serves every component the package root exports, under the tokens the components register", () => {
        assert.strictEqual(schema.name, "kubecache");
        assert.deepStrictEqual(Object.keys(schema.resources).sort(), [
            "kubecache:index:Memcached",
            "kubecache:index:MemcachedOperator",
            "kubecache:index:RedisReplicated",
            "kubecache:index:RedisSentinel",
            "kubecache:index:RedisStandalone",
        ]);
        for (const [token, r] of Object.entries(schema.resources)) {
            assert.strictEqual(r.isComponent, true, token);
            assert.ok(r.description && r.description.length > 20, `${token} has a description`);
        }
    });

    it("types and documents every argument and output, and every field of every object type", () => {
        const untyped: string[] = [];
        const undocumented: string[] = [];
        for (const [where, p] of allProperties(schema)) {
            if (!p.type && !p.$ref) untyped.push(where);
            if (p.type === "array" && !p.items?.type && !p.items?.$ref) untyped.push(`${where}[]`);
            if (!p.description || p.description.trim().length < 8) undocumented.push(where);
        }
        assert.deepStrictEqual(untyped, []);
        assert.deepStrictEqual(undocumented, []);
        assert.ok(allProperties(schema).length > 80, "the walk saw the properties");
    });

    it("marks every credential secret: the Redis password input and every password output", () => {
        const credential = /password|secret|token|kubeconfig/i;
        const open = allProperties(schema).filter(
            ([where, p]) =>
                credential.test(where.split(/[ .]/).pop()!) &&
                !p.secret &&
                !/[sS]ecretNames?$|existingSecret$|imagePullSecrets$|passwordSecret$/.test(where),
        );
        assert.deepStrictEqual(
            open.map(([w]) => w),
            [],
        );
        assert.strictEqual(schema.types["kubecache:index:RedisAuthArgs"].properties!.password.secret, true);
        for (const c of ["RedisStandalone", "RedisReplicated", "RedisSentinel"]) {
            assert.strictEqual(schema.resources[`kubecache:index:${c}`].properties.password.secret, true, c);
        }
        assert.deepStrictEqual(SECRET_PROPERTIES, ["password"]);
    });

    it("resolves every reference: own types exist, Kubernetes resources come from a declared dependency", () => {
        const refs = allProperties(schema)
            .flatMap(([w, p]) => [p, p.items, p.additionalProperties].filter(Boolean).map(x => [w, x!.$ref] as const))
            .filter(([, r]) => r !== undefined);
        for (const [where, ref] of refs) {
            if (ref!.startsWith("#/types/")) assert.ok(schema.types[ref!.slice("#/types/".length)], `${where}: ${ref}`);
            else assert.match(ref!, /^\/kubernetes\/v4\.\d+\.\d+\/schema\.json#\/resources\/kubernetes:/, where);
        }
        assert.deepStrictEqual(
            schema.dependencies?.map(d => d.name),
            ["kubernetes"],
        );
        assert.deepStrictEqual(
            schema.types["kubecache:index:AntiAffinity"].enum?.map(e => e.value),
            ["preferred", "required"],
        );
        assert.deepStrictEqual(
            schema.types["kubecache:index:RedisWorkloadKind"].enum?.map(e => e.value),
            ["Pod", "Deployment"],
        );
    });

    it("lets a Memcached in another language name its operator by the outputs MemcachedOperator gives", () => {
        const operatorOutputs = schema.resources["kubecache:index:MemcachedOperator"].properties;
        const ref = schema.resources["kubecache:index:Memcached"].inputProperties.operator.$ref!;
        const wanted = schema.types[ref.slice("#/types/".length)].properties!;
        for (const [k, p] of Object.entries(wanted)) assert.strictEqual(operatorOutputs[k]?.$ref, p.$ref, `operator.${k}`);
    });
});
