import "../support/mocks";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { alicloudPolicies } from "../../policy/alicloud";
import { kubernetesPolicies } from "../../policy/kubernetes";

const policies = [...kubernetesPolicies, ...alicloudPolicies];
const configDir = path.join(__dirname, "../../policy/config");
const load = (stack: string): Record<string, Record<string, unknown>> =>
    JSON.parse(fs.readFileSync(path.join(configDir, `${stack}.json`), "utf8"));

/** The subset of JSON Schema the pack uses, checked the way the CLI checks --policy-pack-config. */
function schemaErrors(value: unknown, schema: PolicyConfigJSONSchema): string[] {
    const errors: string[] = [];
    if (schema.enum && !schema.enum.includes(value as string)) errors.push(`${JSON.stringify(value)} not in ${schema.enum}`);
    if (schema.type === "array") {
        if (!Array.isArray(value)) return [`${JSON.stringify(value)} is not an array`];
        if (schema.minItems !== undefined && value.length < schema.minItems) errors.push("too few items");
        for (const item of value) errors.push(...schemaErrors(item, schema.items as PolicyConfigJSONSchema));
    } else if (schema.type === "integer" && !Number.isInteger(value)) {
        errors.push(`${JSON.stringify(value)} is not an integer`);
    } else if (schema.type && schema.type !== "integer" && typeof value !== schema.type) {
        errors.push(`${JSON.stringify(value)} is not a ${schema.type}`);
    }
    if (schema.pattern && !new RegExp(schema.pattern).test(String(value))) errors.push(`${value} does not match ${schema.pattern}`);
    return errors;
}

describe("policy pack", () => {
    it("has at least 20 policies with unique, scoped kebab-case names and descriptions", () => {
        assert.ok(policies.length >= 20, `only ${policies.length} policies`);
        assert.equal(new Set(policies.map(p => p.name)).size, policies.length);
        for (const p of policies) {
            assert.match(p.name, /^(kubernetes|alicloud)-[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
            assert.ok(p.description.length > 20 && p.description.endsWith("."), `${p.name}: description should be a sentence`);
            assert.ok(p.enforcementLevel === "mandatory" && p.severity, `${p.name}: explicit enforcement level and severity`);
        }
    });

    it("places Kubernetes and Alibaba Cloud policies under their own scope", () => {
        assert.ok(kubernetesPolicies.every(p => p.name.startsWith("kubernetes-")));
        assert.ok(alicloudPolicies.every(p => p.name.startsWith("alicloud-")));
    });

    for (const stack of ["dev", "prod"]) {
        describe(`policy/config/${stack}.json`, () => {
            const config = load(stack);

            it("configures every policy and names no unknown one", () => {
                assert.deepEqual(Object.keys(config).sort(), policies.map(p => p.name).sort());
            });

            it("sets only properties the policies declare, with valid values", () => {
                for (const p of policies) {
                    const { enforcementLevel, ...properties } = config[p.name];
                    assert.ok(["advisory", "mandatory", "disabled"].includes(enforcementLevel as string), `${p.name}: ${enforcementLevel}`);
                    for (const [key, value] of Object.entries(properties)) {
                        const schema = p.configSchema?.properties[key];
                        assert.ok(schema, `${p.name} declares no config property ${key}`);
                        assert.deepEqual(schemaErrors(value, schema), [], `${p.name}.${key}`);
                    }
                }
            });

            it(`tells every stack-aware policy that the stack is ${stack}`, () => {
                for (const p of policies.filter(p => p.configSchema?.properties.environment)) {
                    assert.equal(config[p.name].environment, stack, p.name);
                }
            });
        });
    }

    it("makes every policy mandatory in prod", () => {
        const prod = load("prod");
        assert.deepEqual(
            policies.filter(p => prod[p.name].enforcementLevel !== "mandatory").map(p => p.name),
            [],
        );
    });

    it("keeps the seed's mistakes mandatory in dev and relaxes hardening to advisory", () => {
        const dev = load("dev");
        assert.equal(dev["kubernetes-workload-require-pinned-image"].enforcementLevel, "mandatory");
        assert.equal(dev["kubernetes-apps-v1-statefulset-require-headless-service"].enforcementLevel, "mandatory");
        assert.equal(dev["kubernetes-core-v1-pod-disallow-bare-pod"].enforcementLevel, "advisory");
        assert.equal(dev["kubernetes-workload-require-restricted-security-context"].enforcementLevel, "advisory");
        assert.equal(dev["kubernetes-core-v1-service-restrict-load-balancer"].cluster, "kind");
    });
});
