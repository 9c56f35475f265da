// Sums the per-suite counts that `npm test` appended to a stats file and prints CI's closing line.
"use strict";
const fs = require("fs");
const file = process.argv[2];
const total = { passed: 0, failed: 0, skipped: 0 };
const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
for (const line of text.split("\n").filter(Boolean)) {
    const e = JSON.parse(line);
    total.passed += e.passed;
    total.failed += e.failed;
    total.skipped += e.skipped;
}
// A stage that crashed before reporting (a syntax error in a spec, a Go build failure) still
// failed: with a non-zero exit code and no counted failure, count one.
const exitCode = Number(process.argv[3] || 0);
if (exitCode !== 0 && total.failed === 0) total.failed = 1;
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
