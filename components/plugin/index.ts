/**
 * Serves the kubecache component provider on load. package.json's `main` names this file: Node resolves
 * `require("kubecache")` and its subpaths through `exports`, so `main` is read only when a plugin host
 * (cmd/run-plugin, started by `pulumi package add` or a program's `packages:`) loads the package directory.
 */
import * as pulumi from "@pulumi/pulumi";
import { KubecacheProvider } from "./provider";

pulumi.provider.main(new KubecacheProvider(), process.argv.slice(2));
