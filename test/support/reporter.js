// Mocha's spec reporter, plus a JSON file of the run's counts (KUBECACHE_TEST_STATS) that .ci/run sums.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class KubecacheReporter extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.on(EVENT_TEST_PENDING, test => {
            // A skipped test must say why: this.skip() callers set test.skipReason or the title says it.
            const reason = test.skipReason || (test.ctx && test.ctx.skipReason) || "no reason given";
            process.stdout.write(`      skipped: ${test.fullTitle()} (${reason})\n`);
        });
        runner.once(EVENT_RUN_END, () => {
            const file = process.env.KUBECACHE_TEST_STATS;
            if (!file) return;
            const s = runner.stats || {};
            const entry = { suite: "mocha", passed: s.passes || 0, failed: s.failures || 0, skipped: s.pending || 0 };
            fs.appendFileSync(file, JSON.stringify(entry) + "\n");
        });
    }
}
module.exports = KubecacheReporter;
