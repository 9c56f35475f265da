import "../../support/mocks";
import * as assert from "node:assert/strict";
import { labelSelectorSelects, mapSelects, scaledValue } from "../../../policy/common/selectors";

const pod = { app: "redis", tier: "cache" };

describe("policy/common/selectors", () => {
    it("matches Service selectors; an empty selector selects nothing", () => {
        assert.ok(mapSelects({ app: "redis" }, pod));
        assert.equal(mapSelects({ app: "memcached" }, pod), false);
        assert.equal(mapSelects({}, pod), false);
    });

    it("matches LabelSelectors with matchLabels and every expression operator", () => {
        assert.ok(labelSelectorSelects({ matchLabels: { app: "redis" } }, pod));
        assert.ok(labelSelectorSelects({ matchExpressions: [{ key: "tier", operator: "In", values: ["cache"] }] }, pod));
        assert.equal(labelSelectorSelects({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["cache"] }] }, pod), false);
        assert.ok(labelSelectorSelects({ matchExpressions: [{ key: "app", operator: "Exists" }] }, pod));
        assert.equal(labelSelectorSelects({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, pod), false);
        assert.equal(labelSelectorSelects(undefined, pod), false);
    });

    it("scales IntOrString values, rounding percentages up", () => {
        assert.equal(scaledValue(1, 3), 1);
        assert.equal(scaledValue("34%", 3), 2);
        assert.equal(scaledValue("100%", 3), 3);
        assert.equal(scaledValue("0%", 3), 0);
        assert.equal(scaledValue("half", 3), undefined);
    });
});
