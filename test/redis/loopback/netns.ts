/**
 * A private L2 network for fault tests: one bridge and one network namespace per host, on a /24
 * that only this bridge routes. Namespaces get no default route, so nothing sent inside can leave
 * the machine; the test process reaches them through the bridge's own address. Partitions are
 * iptables DROP rules inside a namespace (silent loss, like a real network fault). Every name
 * carries this process's PID, since /run/netns is shared; `destroy()` removes everything.
 */
import { execFileSync } from "child_process";

function run(cmd: string, args: string[], ignore = false): string {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10000 });
    } catch (e) {
        if (ignore) return "";
        throw new Error(`${cmd} ${args.join(" ")}: ${(e as { stderr?: string }).stderr ?? e}`);
    }
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
    if (process.getuid?.() !== 0) return "network-namespace tests need root";
    for (const c of ["ip", "iptables"]) {
        try {
            execFileSync("sh", ["-c", `command -v ${c}`], { stdio: "ignore" });
        } catch {
            return `${c} is not installed`;
        }
    }
    return undefined;
}

export class PrivateNet {
    readonly bridge: string;
    readonly prefix: string;
    readonly gateway: string;
    private readonly hosts = new Map<string, string>();
    private index = 0;

    constructor() {
        const tag = String(process.pid % 100000);
        this.bridge = `kcb${tag}`;
        // A /24 no route on this machine covers yet.
        const routes = run("ip", ["-4", "route", "show", "table", "all"]);
        let third = (process.pid % 200) + 20;
        while (routes.includes(`10.213.${third}.`)) third = (third + 1) % 250;
        this.prefix = `10.213.${third}`;
        this.gateway = `${this.prefix}.1`;
        run("ip", ["link", "add", this.bridge, "type", "bridge"]);
        run("ip", ["addr", "add", `${this.gateway}/24`, "dev", this.bridge]);
        run("ip", ["link", "set", this.bridge, "up"]);
    }

    /** Namespace name of a host added with {@link addHost}. */
    ns(name: string): string {
        return `kc${process.pid % 100000}-${name}`;
    }

    /** Adds a namespace with one address on the bridge; returns the address. */
    addHost(name: string, lastOctet: number): string {
        const ns = this.ns(name);
        const ip = `${this.prefix}.${lastOctet}`;
        const veth = `kv${process.pid % 10000}x${this.index++}`;
        run("ip", ["netns", "add", ns]);
        run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        run("ip", ["link", "set", veth, "master", this.bridge, "up"]);
        run("ip", ["-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0"]);
        run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
        run("ip", ["-n", ns, "link", "set", "lo", "up"]);
        this.hosts.set(name, ip);
        return ip;
    }

    /** Silently drops every packet between host `name` and each of `peers` (addresses), both ways. */
    partition(name: string, peers: string[]): void {
        const ns = this.ns(name);
        for (const p of peers) {
            run("ip", ["netns", "exec", ns, "iptables", "-w", "-A", "INPUT", "-s", p, "-j", "DROP"]);
            run("ip", ["netns", "exec", ns, "iptables", "-w", "-A", "OUTPUT", "-d", p, "-j", "DROP"]);
        }
    }

    /** Removes every partition rule of host `name`. */
    heal(name: string): void {
        const ns = this.ns(name);
        run("ip", ["netns", "exec", ns, "iptables", "-w", "-F", "INPUT"]);
        run("ip", ["netns", "exec", ns, "iptables", "-w", "-F", "OUTPUT"]);
    }

    /** Argument prefix that runs a command inside host `name`. */
    exec(name: string): string[] {
        return ["ip", "netns", "exec", this.ns(name)];
    }

    destroy(): void {
        for (const name of this.hosts.keys()) run("ip", ["netns", "delete", this.ns(name)], true);
        this.hosts.clear();
        run("ip", ["link", "delete", this.bridge], true);
    }
}
