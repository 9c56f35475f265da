/**
 * A throw-away CA and one server/client certificate for 127.0.0.1 and localhost, made with openssl,
 * in the layout of a `kubernetes.io/tls` Secret as the pods mount it (tls.crt, tls.key, ca.crt).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * A new key and certificate for the same names from the same CA, written over tls.key and tls.crt the way the
 * kubelet swaps a renewed Secret in: each file replaced whole by a rename. Returns the new serial (hex, upper case).
 */
export function renewCertificate(dir: string): string {
    const at = (f: string) => path.join(dir, f);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 20000 });
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        at("tls.key.new"),
        "-out",
        at("tls.csr"),
        "-subj",
        "/CN=localhost",
    );
    openssl(
        "x509",
        "-req",
        "-in",
        at("tls.csr"),
        "-CA",
        at("ca.crt"),
        "-CAkey",
        at("ca.key"),
        "-CAcreateserial",
        "-out",
        at("tls.crt.new"),
        "-days",
        "2",
        "-extfile",
        at("ext.cnf"),
    );
    fs.chmodSync(at("tls.key.new"), 0o600);
    fs.renameSync(at("tls.key.new"), at("tls.key"));
    fs.renameSync(at("tls.crt.new"), at("tls.crt"));
    return openssl("x509", "-noout", "-serial", "-in", at("tls.crt"))
        .toString()
        .trim()
        .replace(/^serial=/, "")
        .toUpperCase();
}

export function makeCertificates(dir: string, sans = "IP:127.0.0.1,DNS:localhost"): { dir: string; ca: Buffer } {
    fs.mkdirSync(dir, { recursive: true });
    const at = (f: string) => path.join(dir, f);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 20000 });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl("req", "-x509", ...ec, "-keyout", at("ca.key"), "-out", at("ca.crt"), "-days", "2", "-subj", "/CN=kubecache test CA");
    openssl("req", ...ec, "-keyout", at("tls.key"), "-out", at("tls.csr"), "-subj", "/CN=localhost");
    fs.writeFileSync(at("ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(
        "x509",
        "-req",
        "-in",
        at("tls.csr"),
        "-CA",
        at("ca.crt"),
        "-CAkey",
        at("ca.key"),
        "-CAcreateserial",
        "-out",
        at("tls.crt"),
        "-days",
        "2",
        "-extfile",
        at("ext.cnf"),
    );
    fs.chmodSync(at("tls.key"), 0o600);
    return { dir, ca: fs.readFileSync(at("ca.crt")) };
}
