/**
 * A throw-away CA and one server/client certificate for 127.0.0.1 and localhost, made with openssl,
 * in the layout of a `kubernetes.io/tls` Secret as the pods mount it (tls.crt, tls.key, ca.crt).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

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
