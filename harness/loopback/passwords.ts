/**
 * The password files the pods mount, as the loopback tests write them: the component's password, the check user's
 * derived one and each application user's under its variable's name, each replaced at once (rename), as the kubelet
 * swaps a projected volume's files when a Secret changes.
 */
import * as fs from "fs";
import * as path from "path";
import { userPasswordEnv } from "../../components/redis/acl";
import { CHECK_PASSWORD_KEY, derivedPassword } from "../../components/redis/auth";
import { PASSWORD_KEY } from "../../components/redis/defaults";

export function writePasswordFiles(dir: string, password: string, users: { password: string }[] = []): void {
    fs.mkdirSync(dir, { recursive: true });
    const files: Record<string, string> = { [PASSWORD_KEY]: password, [CHECK_PASSWORD_KEY]: derivedPassword(password, "haproxy") };
    users.forEach((u, i) => (files[userPasswordEnv(i)] = u.password));
    for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, `.${name}`), text);
        fs.renameSync(path.join(dir, `.${name}`), path.join(dir, name));
    }
}
