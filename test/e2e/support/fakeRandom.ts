// A stand-in `pulumi-resource-random` for the real-engine tier: the random provider cannot be built on this
// machine, and the stack program generates its Redis passwords with it. It answers the engine for
// RandomPassword only (check, diff on the inputs, create a password, read, delete), which is all the program
// asks of it, so an `up` can run the program unchanged. Put first on PATH: the engine prefers a plugin there.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./exec";

const PROVIDER = `"use strict";
const crypto = require("crypto");
const provider = require("@pulumi/pulumi/provider");
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const inputsOf = props => Object.fromEntries(Object.entries(props).filter(([k]) => !["result", "bcryptHash", "id"].includes(k)));
provider.main({
    version: "4.21.2",
    async check(_urn, _olds, news) { return { inputs: news }; },
    async diff(_id, _urn, olds, news) {
        const changed = JSON.stringify(inputsOf(olds), Object.keys(news).sort()) !== JSON.stringify(news, Object.keys(news).sort())
            || Object.keys(inputsOf(olds)).length !== Object.keys(news).length;
        return changed ? { changes: true, replaces: Object.keys(news) } : { changes: false };
    },
    async create(urn, inputs) {
        if (!urn.includes("random:index/randomPassword:RandomPassword")) throw new Error("the stand-in random provider serves RandomPassword only: " + urn);
        const bytes = crypto.randomBytes(inputs.length || 32);
        const result = Array.from(bytes, b => ALPHABET[b % ALPHABET.length]).join("");
        return { id: crypto.randomUUID(), outs: { ...inputs, result, bcryptHash: "" } };
    },
    async read(id, _urn, props) { return { id, props }; },
    async delete() {},
}, process.argv.slice(2));
`;

/** Writes the stand-in into a fresh directory and returns it (prepend it to PATH). */
export function fakeRandomProviderDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-fake-random-"));
    const script = path.join(dir, "fake-random.js");
    fs.writeFileSync(script, PROVIDER);
    const bin = path.join(dir, "pulumi-resource-random");
    // NODE_PATH: the stand-in lives outside the repository but loads the repository's @pulumi/pulumi.
    fs.writeFileSync(bin, `#!/bin/sh\nNODE_PATH="${path.join(ROOT, "node_modules")}" exec node "${script}" "$@"\n`);
    fs.chmodSync(bin, 0o755);
    return dir;
}
