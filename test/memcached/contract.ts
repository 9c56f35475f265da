/**
 * What the operator publishes about itself (operator/config/contract.json, written by operator/cmd/contract_test.go
 * from the Go code): the tests of the components check against it instead of reading Go source.
 */
import * as fs from "fs";
import * as path from "path";
import { operatorDir } from "../../components/common/paths";

export interface OperatorContract {
    flags: string[];
    paths: { healthz: string; readyz: string; metrics: string };
    api: { clientLabel: string; defaultExporterImage: string; defaultImage: string };
    objects: {
        podLabels: Record<string, string>;
        instanceLabel: string;
        metricsPort: string;
        serviceNamedAfterObject: boolean;
        serviceHeadless: boolean;
    };
}

let cached: OperatorContract | undefined;

export function operatorContract(): OperatorContract {
    cached ??= JSON.parse(fs.readFileSync(path.join(operatorDir(), "config", "contract.json"), "utf8")) as OperatorContract;
    return cached;
}
