import * as assert from "assert";
import { expectRejected, resetRecorded, settle } from "../support/mocks";
import { TOPOLOGIES, podSpecs } from "./topologies";

describe("Redis components: scheduling", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("puts node selection, tolerations, priority and zone spreading on every pod template", async () => {
                const tolerations = [{ key: "dedicated", operator: "Equal", value: "cache", effect: "NoSchedule" }];
                t.make("sc", {
                    scheduling: { nodeSelector: { pool: "cache" }, tolerations, priorityClassName: "cache-high", zoneSpread: "required" },
                });
                await settle();
                for (const { at, spec } of podSpecs(t, "sc")) {
                    assert.deepStrictEqual(spec.nodeSelector, { pool: "cache" }, at);
                    assert.deepStrictEqual(spec.tolerations, tolerations, at);
                    assert.strictEqual(spec.priorityClassName, "cache-high", at);
                    const [spread] = spec.topologySpreadConstraints;
                    assert.strictEqual(spread.topologyKey, "topology.kubernetes.io/zone", at);
                    assert.strictEqual(spread.whenUnsatisfiable, "DoNotSchedule", at);
                    assert.strictEqual(spread.maxSkew, 1, at);
                }
            });

            it(`spreads over zones by default only when it is RedisSentinel`, async () => {
                t.make("sd");
                await settle();
                for (const { at, spec } of podSpecs(t, "sd")) {
                    assert.strictEqual(spec.nodeSelector, undefined, at);
                    if (t.component === "RedisSentinel") {
                        assert.strictEqual(spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway", at);
                    } else {
                        assert.strictEqual(spec.topologySpreadConstraints, undefined, at);
                    }
                }
            });
        });
    }

    it("each set spreads on its own pods, so one set's pods do not crowd out another's", async () => {
        TOPOLOGIES[2].make("ss");
        await settle();
        const selectors = podSpecs(TOPOLOGIES[2], "ss").map(p =>
            JSON.stringify(p.spec.topologySpreadConstraints[0].labelSelector.matchLabels),
        );
        assert.strictEqual(new Set(selectors).size, 3, selectors.join(" "));
    });

    describe("rejects bad scheduling before creating anything", () => {
        const cases: Array<[string, any, RegExp]> = [
            ["an unknown zone spread", { zoneSpread: "always" }, /`scheduling.zoneSpread` must be one of "none", "preferred", "required"/],
            [
                "a node selector with a number",
                { nodeSelector: { pool: 1 } },
                /`scheduling.nodeSelector` must map node label names to values/,
            ],
            ["tolerations that are not a list", { tolerations: { key: "x" } }, /`scheduling.tolerations` must be a list/],
            [
                "a priority class that is not a DNS name",
                { priorityClassName: "High_Priority" },
                /`scheduling.priorityClassName` must name a PriorityClass/,
            ],
        ];
        for (const t of TOPOLOGIES) {
            for (const [what, scheduling, pattern] of cases) {
                it(`${t.component}: ${what}`, () =>
                    expectRejected(() => t.make("bs", { scheduling }), new RegExp(`${t.component}: ${pattern.source}`)));
            }
        }
    });
});
