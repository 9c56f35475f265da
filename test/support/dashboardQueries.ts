/**
 * Every panel query of a Grafana dashboard under promtool: each expression (its variables resolved as a pinned
 * dashboard resolves them) wrapped into a recording rule that `promtool check rules` parses and `promtool test
 * rules` evaluates at 10m on the series a spec writes, to the figures the spec expects for that panel.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { promtool } from "./promtool";

/** Expected samples of one query, by label set (`{}` for none). */
export type Expect = Array<[Record<string, string>, number]>;

export interface DashboardUnderTest {
    panels: Array<{ id?: number; title: string; targets: Array<{ refId: string; expr: string }> }>;
}

function labelString(name: string, labels: Record<string, string>): string {
    const inner = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
    return inner ? `${name}{${inner}}` : name;
}

export function checkDashboardQueries(o: {
    dir: string;
    name: string;
    dashboard: DashboardUnderTest;
    /** By panel title, the expected samples of each of its queries; every panel must be listed. */
    expected: Record<string, Expect[]>;
    series: { series: string; values: string }[];
    /** The variables as `name → value`; `$__rate_interval` is 5m (a 15 s scrape). */
    variables: Record<string, string>;
    /** A matcher every query must carry, so it stays in one instance. */
    scope: RegExp;
}): void {
    const known = new RegExp(`\\$(?!${[...Object.keys(o.variables), "__rate_interval"].join("|")})`);
    const resolve = (expr: string) =>
        Object.entries(o.variables)
            .reduce((e, [k, v]) => e.replaceAll(`$${k}`, v), expr)
            .replaceAll("$__rate_interval", "5m");
    const rules: { record: string; expr: string }[] = [];
    const samples: { eval_time: string; expr: string; exp_samples: { labels: string; value: number }[] }[] = [];
    for (const p of o.dashboard.panels) {
        const cases = o.expected[p.title];
        assert.ok(cases, `panel "${p.title}" has no expected figures in this test`);
        assert.strictEqual(p.targets.length, cases.length, `panel "${p.title}": ${p.targets.length} queries`);
        p.targets.forEach((target, i) => {
            assert.doesNotMatch(target.expr, known, `panel "${p.title}" uses a variable this test does not resolve`);
            assert.match(target.expr, o.scope, `panel "${p.title}" is not scoped`);
            const record = `kubecache_dashboard_panel${p.id}_${target.refId}`;
            // promtool compares exactly; a rate's extrapolation leaves float noise (0.7499999999999999), so the
            // figure is taken to the nearest 1/1024, exact in binary, as every expected value is.
            rules.push({ record, expr: `round(${resolve(target.expr)}, 1 / 1024)` });
            samples.push({
                eval_time: "10m",
                expr: record,
                exp_samples: cases[i].map(([labels, value]) => ({ labels: labelString(record, labels), value })),
            });
        });
    }
    const ruleFile = path.join(o.dir, `${o.name}.rules.yml`);
    fs.writeFileSync(ruleFile, yaml.dump({ groups: [{ name: `dashboard-${o.name}`, rules }] }));
    promtool(o.dir, ["check", "rules", ruleFile]);
    const testFile = path.join(o.dir, `${o.name}.test.yml`);
    fs.writeFileSync(
        testFile,
        yaml.dump({
            rule_files: [path.basename(ruleFile)],
            evaluation_interval: "1m",
            tests: [{ interval: "1m", input_series: o.series, promql_expr_test: samples }],
        }),
    );
    promtool(o.dir, ["test", "rules", testFile]);
}
