/**
 * A throw-away CA and one server/client certificate for 127.0.0.1 and localhost, made with openssl,
 * in the layout of a `kubernetes.io/tls` Secret as the pods mount it (tls.crt, tls.key, ca.crt).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 20000 });
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A new key and certificate from the CA in `dir` for the names of its ext.cnf, written as tls.key and tls.crt, each
 * replaced whole by a rename (as the kubelet swaps a renewed Secret in). Returns the serial (hex, upper case).
 */
export function renewCertificate(dir: string): string {
    const at = (f: string) => path.join(dir, f);
    openssl("req", ...EC, "-keyout", at("tls.key.new"), "-out", at("tls.csr"), "-subj", "/CN=localhost");
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
    openssl("req", "-x509", ...EC, "-keyout", at("ca.key"), "-out", at("ca.crt"), "-days", "2", "-subj", "/CN=kubecache test CA");
    fs.writeFileSync(at("ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    renewCertificate(dir);
    return { dir, ca: fs.readFileSync(at("ca.crt")) };
}
