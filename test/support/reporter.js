// Mocha's spec reporter, plus a JSON file of the run's counts (KUBECACHE_TEST_STATS) that .ci/run sums.
// A skipped test must say why; in a tier CI requires (KUBECACHE_TIER listed in KUBECACHE_REQUIRED_TIERS)
// a skip is a failure that carries that reason.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

const tier = process.env.KUBECACHE_TIER || "";
const required = (process.env.KUBECACHE_REQUIRED_TIERS || "")
    .split(",")
    .map(t => t.trim())
    .filter(Boolean);

class KubecacheReporter extends Spec {
    constructor(runner, options) {
        super(runner, options);
        let requiredSkips = 0;
        runner.on(EVENT_TEST_PENDING, test => {
            // this.skip() callers set test.skipReason (or ctx.skipReason), or the title says it.
            const reason = test.skipReason || test.ctx?.skipReason || "no reason given";
            process.stdout.write(`      skipped: ${test.fullTitle()} (${reason})\n`);
            if (required.includes(tier)) {
                requiredSkips++;
                process.stdout.write(`      FAILED: the ${tier} tier is required here, and it skipped this test: ${reason}\n`);
            }
        });
        runner.once(EVENT_RUN_END, () => {
            if (requiredSkips > 0) process.exitCode = 1;
            // mocha exits with its failure count, which does not see these: count them into it.
            runner.failures += requiredSkips;
            const file = process.env.KUBECACHE_TEST_STATS;
            if (!file) return;
            const s = runner.stats || {};
            const entry = {
                suite: tier ? `mocha:${tier}` : "mocha",
                passed: s.passes || 0,
                failed: (s.failures || 0) + requiredSkips,
                skipped: (s.pending || 0) - requiredSkips,
            };
            fs.appendFileSync(file, JSON.stringify(entry) + "\n");
        });
    }
}
module.exports = KubecacheReporter;
