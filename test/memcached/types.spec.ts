/**
 * The CRD is the source of truth for the Memcached API. These tests read the committed CRD and fail
 * when components/memcached/types.ts (fields, types, bounds, defaults) or the component's
 * validation drifts from it.
 */
import * as assert from "assert";
import { isPinnedImage } from "../../components/common";
import { crdVersionSchema, loadMemcachedCrd } from "../../components/memcached/operatorConfig";
import { operatorContract } from "./contract";
import {
    MEMCACHED_BOUNDS,
    MEMCACHED_CLIENT_LABEL,
    MEMCACHED_CRD_NAME,
    MEMCACHED_LIST_BOUNDS,
    MEMCACHED_DEFAULTS,
    MEMCACHED_GROUP,
    MEMCACHED_KIND,
    MEMCACHED_METRICS_BOUNDS,
    MEMCACHED_NAME_PATTERN,
    MEMCACHED_NESTED_DEFAULTS,
    MEMCACHED_NESTED_REQUIRED,
    MEMCACHED_NESTED_TYPES,
    MEMCACHED_PLURAL,
    MEMCACHED_REQUIRED,
    MEMCACHED_SPEC_TYPES,
    MEMCACHED_STATUS_TYPES,
    MEMCACHED_TOPOLOGY_SPREAD,
    MEMCACHED_VERSION,
} from "../../components/memcached/types";

/**
 * Evaluates a CEL rule over a string `self` when it only uses the string functions JavaScript shares
 * (`matches`, `contains`, `startsWith`, `endsWith`) and `&&`, `||`, `!`; anything else fails the test,
 * so a rule change is noticed rather than mis-evaluated.
 */
function evalStringRule(rule: string, self: string): boolean {
    const js = rule
        .replace(/self\.matches\('((?:[^'\\]|\\.)*)'\)/g, (_m, re) => `new RegExp(${JSON.stringify(re)}).test(self)`)
        .replace(/self\.(contains|startsWith|endsWith)\(/g, (_m, fn) => `self.${fn === "contains" ? "includes" : fn}(`);
    const leftover = js
        .replace(/new RegExp\("(?:[^"\\]|\\.)*"\)\.test\(self\)/g, "")
        .replace(/self\.(includes|startsWith|endsWith)\('[^']*'\)/g, "");
    assert.match(leftover, /^[\s()!&|]*$/, `the image rule uses CEL this test cannot evaluate: ${rule}`);
    return new Function("self", `return ${js};`)(self) as boolean;
}

describe("Memcached types vs the committed CRD", () => {
    const crd = loadMemcachedCrd();
    const schema = crdVersionSchema(crd, MEMCACHED_VERSION);
    const spec = schema.properties.spec;
    const status = schema.properties.status;

    it("names the group, kind, plural and CRD the TypeScript side uses", () => {
        assert.strictEqual(crd.metadata.name, MEMCACHED_CRD_NAME);
        assert.strictEqual(crd.spec.group, MEMCACHED_GROUP);
        assert.strictEqual(crd.spec.names.kind, MEMCACHED_KIND);
        assert.strictEqual(crd.spec.names.plural, MEMCACHED_PLURAL);
        assert.strictEqual(crd.spec.scope, "Namespaced");
        const served = crd.spec.versions.filter((v: any) => v.served && v.storage).map((v: any) => v.name);
        assert.deepStrictEqual(served, [MEMCACHED_VERSION]);
    });

    it("has exactly the spec fields of MemcachedSpec, with the same types and required list", () => {
        assert.deepStrictEqual(Object.keys(spec.properties).sort(), Object.keys(MEMCACHED_SPEC_TYPES).sort());
        for (const [field, type] of Object.entries(MEMCACHED_SPEC_TYPES)) {
            assert.strictEqual(spec.properties[field].type, type, `spec.${field}`);
        }
        assert.deepStrictEqual([...(spec.required ?? [])].sort(), [...MEMCACHED_REQUIRED].sort());
        assert.strictEqual(spec.properties.extraArgs.items.type, "string");
    });

    it("has exactly the status fields of MemcachedStatus, with the same types", () => {
        assert.deepStrictEqual(Object.keys(status.properties).sort(), Object.keys(MEMCACHED_STATUS_TYPES).sort());
        for (const [field, type] of Object.entries(MEMCACHED_STATUS_TYPES)) {
            assert.strictEqual(status.properties[field].type, type, `status.${field}`);
        }
        assert.strictEqual(status.properties.nodes.items.type, "string");
        const conditionFields = Object.keys(status.properties.conditions.items.properties).sort();
        assert.deepStrictEqual(conditionFields, ["lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"]);
    });

    it("bounds size, port and memoryMB exactly as MEMCACHED_BOUNDS", () => {
        for (const [field, b] of Object.entries(MEMCACHED_BOUNDS)) {
            assert.strictEqual(spec.properties[field].minimum, b.min, `spec.${field} minimum`);
            assert.strictEqual(spec.properties[field].maximum, b.max, `spec.${field} maximum`);
        }
    });

    it("limits extraArgs and image as MEMCACHED_LIST_BOUNDS", () => {
        assert.strictEqual(spec.properties.extraArgs.maxItems, MEMCACHED_LIST_BOUNDS.extraArgs.maxItems);
        assert.strictEqual(spec.properties.extraArgs.items.maxLength, MEMCACHED_LIST_BOUNDS.extraArgs.maxItemLength);
        assert.strictEqual(spec.properties.image.maxLength, MEMCACHED_LIST_BOUNDS.image.maxLength);
    });

    it("defaults the fields MEMCACHED_DEFAULTS lists, to the same values", () => {
        for (const [field, value] of Object.entries(MEMCACHED_DEFAULTS)) {
            assert.strictEqual(spec.properties[field].default, value, `spec.${field} default`);
        }
        const defaulted = Object.keys(spec.properties)
            .filter(f => spec.properties[f].default !== undefined)
            .sort();
        assert.deepStrictEqual(defaulted, Object.keys(MEMCACHED_DEFAULTS).sort());
    });

    it("has the scale subresource the seed's `size` maps onto", () => {
        const version = crd.spec.versions.find((v: any) => v.name === MEMCACHED_VERSION);
        assert.strictEqual(version.subresources.scale.specReplicasPath, ".spec.size");
        assert.strictEqual(version.subresources.scale.statusReplicasPath, ".status.readyReplicas");
        assert.ok(version.subresources.status !== undefined);
    });

    it("accepts and refuses the same images as the component's image check (spec.image and metrics.image)", () => {
        const samples = [
            "memcached:1.6.39-alpine",
            "memcached",
            "memcached:latest",
            "memcached:",
            "localhost:5001/cache/memcached:1.6",
            "localhost:5001/cache/memcached",
            `memcached@sha256:${"a".repeat(64)}`,
            `memcached:1.6@sha256:${"b".repeat(64)}`,
            "registry.example.com/memcached:v1.6.39",
            "prom/memcached-exporter:v0.16.0",
            "prom/memcached-exporter",
        ];
        for (const [where, field] of [
            ["spec.image", spec.properties.image],
            ["spec.metrics.image", spec.properties.metrics.properties.image],
        ]) {
            const rules = (field["x-kubernetes-validations"] ?? []).map((v: any) => v.rule as string);
            assert.strictEqual(rules.length, 1, `one CEL rule on ${where}`);
            for (const image of samples) {
                assert.strictEqual(isPinnedImage(image), evalStringRule(rules[0], image), `TS and CRD disagree on ${where} ${image}`);
            }
        }
        assert.strictEqual(isPinnedImage(MEMCACHED_DEFAULTS.image), true, "the default image passes its own rule");
        assert.strictEqual(isPinnedImage(MEMCACHED_NESTED_DEFAULTS.metrics.image), true, "the default exporter image passes its own rule");
    });

    it("has exactly the fields, types, required lists and defaults of metrics, auth and networkPolicy", () => {
        for (const [obj, types] of Object.entries(MEMCACHED_NESTED_TYPES)) {
            const props = spec.properties[obj].properties;
            assert.deepStrictEqual(Object.keys(props).sort(), Object.keys(types).sort(), `spec.${obj} fields`);
            for (const [field, type] of Object.entries(types)) assert.strictEqual(props[field].type, type, `spec.${obj}.${field}`);
            assert.deepStrictEqual(
                [...(spec.properties[obj].required ?? [])].sort(),
                [...(MEMCACHED_NESTED_REQUIRED as Record<string, readonly string[]>)[obj]].sort(),
                `spec.${obj} required`,
            );
            const defaults = (MEMCACHED_NESTED_DEFAULTS as Record<string, Record<string, unknown>>)[obj];
            const defaulted = Object.keys(props)
                .filter(f => props[f].default !== undefined)
                .sort();
            assert.deepStrictEqual(defaulted, Object.keys(defaults).sort(), `spec.${obj} defaulted fields`);
            for (const [field, value] of Object.entries(defaults))
                assert.strictEqual(props[field].default, value, `spec.${obj}.${field} default`);
        }
    });

    it("bounds and patterns the new fields as the component does", () => {
        const p = spec.properties;
        assert.deepStrictEqual(p.topologySpread.enum, [...MEMCACHED_TOPOLOGY_SPREAD]);
        assert.strictEqual(p.nodeSelector.maxProperties, MEMCACHED_LIST_BOUNDS.nodeSelector.maxProperties);
        assert.strictEqual(p.nodeSelector.additionalProperties.type, "string");
        assert.strictEqual(p.tolerations.maxItems, MEMCACHED_LIST_BOUNDS.tolerations.maxItems);
        assert.deepStrictEqual(Object.keys(p.tolerations.items.properties).sort(), [
            "effect",
            "key",
            "operator",
            "tolerationSeconds",
            "value",
        ]);
        assert.strictEqual(p.priorityClassName.maxLength, MEMCACHED_LIST_BOUNDS.priorityClassName.maxLength);
        assert.strictEqual(p.priorityClassName.pattern, MEMCACHED_NAME_PATTERN);
        assert.strictEqual(p.metrics.properties.image.maxLength, MEMCACHED_LIST_BOUNDS.metricsImage.maxLength);
        assert.strictEqual(p.metrics.properties.port.minimum, MEMCACHED_METRICS_BOUNDS.port.min);
        assert.strictEqual(p.metrics.properties.port.maximum, MEMCACHED_METRICS_BOUNDS.port.max);
        const secret = p.auth.properties.secretName;
        assert.strictEqual(secret.minLength, MEMCACHED_LIST_BOUNDS.authSecretName.minLength);
        assert.strictEqual(secret.maxLength, MEMCACHED_LIST_BOUNDS.authSecretName.maxLength);
        assert.strictEqual(secret.pattern, MEMCACHED_NAME_PATTERN);
    });

    it("refuses metrics with auth, and metrics on memcached's port, at admission as the component does", () => {
        const rules = (spec["x-kubernetes-validations"] ?? []).map((v: any) => v.rule as string);
        assert.ok(
            rules.some((r: string) => r.includes("self.metrics.enabled") && r.includes("has(self.auth)")),
            JSON.stringify(rules),
        );
        assert.ok(
            rules.some((r: string) => r.includes("self.metrics.port != self.port")),
            JSON.stringify(rules),
        );
    });

    it("names the client label and the default images as the operator does (operator/config/contract.json)", () => {
        const api = operatorContract().api;
        assert.strictEqual(MEMCACHED_CLIENT_LABEL, api.clientLabel);
        assert.strictEqual(MEMCACHED_NESTED_DEFAULTS.metrics.image, api.defaultExporterImage);
        assert.strictEqual(MEMCACHED_DEFAULTS.image, api.defaultImage);
    });

    it("enforces the memory limit against memoryMB at admission, as the component does", () => {
        const rules = (spec["x-kubernetes-validations"] ?? []).map((v: any) => v.rule as string);
        assert.ok(
            rules.some((r: string) => r.includes("resources.limits.memory") && r.includes("memoryMB")),
            `no spec-level rule compares resources.limits.memory with memoryMB: ${JSON.stringify(rules)}`,
        );
    });
});
