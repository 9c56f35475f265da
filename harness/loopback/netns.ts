/**
 * A private L2 network for fault tests: one bridge and one network namespace per host, on a /24
 * that only this bridge routes. Namespaces get no default route, so nothing sent inside can leave
 * the machine; the test process reaches them through the bridge's own address. Partitions are
 * iptables DROP rules inside a namespace (silent loss, like a real network fault). Every name
 * carries this process's PID, since /run/netns is shared; `destroy()` removes everything.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

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

/** The OUTPUT rule that hands a host's packets to netdelay's queue; unhandled ones pass (`--queue-bypass`). */
const DELAY_RULE = ["OUTPUT", "-o", "eth0", "-j", "NFQUEUE", "--queue-num", "1", "--queue-bypass"];

export class PrivateNet {
    readonly bridge: string;
    readonly prefix: string;
    readonly gateway: string;
    private readonly hosts = new Map<string, string>();
    private readonly delays = new Map<string, ChildProcess>();
    private index = 0;
    private readonly veths: string[] = [];
    /** Unique per network in this process: a later spec's names never meet an earlier one's still being torn down. */
    private readonly tag: string;
    private static count = 0;

    constructor() {
        this.tag = `${process.pid % 10000}${String.fromCharCode(97 + (PrivateNet.count++ % 26))}`;
        this.bridge = `kcb${this.tag}`;
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
        return `kc${this.tag}-${name}`;
    }

    /** Adds a namespace with one address on the bridge; returns the address. */
    addHost(name: string, lastOctet: number): string {
        const ns = this.ns(name);
        const ip = `${this.prefix}.${lastOctet}`;
        const veth = `kv${this.tag}x${this.index++}`;
        run("ip", ["netns", "add", ns]);
        run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        this.veths.push(veth);
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

    /**
     * Holds every packet host `name` sends on its link for `ms` milliseconds (a slow link; this kernel has no netem):
     * an NFQUEUE rule on its eth0 and netdelay.c reading that queue inside the namespace. `--queue-bypass` lets
     * packets through untouched whenever no reader is there.
     */
    async delay(name: string, ms: number): Promise<void> {
        this.undelay(name);
        const ns = this.ns(name);
        const bin = netdelayBinary();
        const p = spawn("ip", ["netns", "exec", ns, bin, "1", String(ms)], { stdio: ["ignore", "pipe", "pipe"] });
        this.delays.set(name, p);
        // The queue is bound once it prints its first line; only then may the rule send packets to it.
        await new Promise<void>((resolve, reject) => {
            p.stdout!.once("data", () => resolve());
            p.once("exit", code => reject(new Error(`netdelay exited (${code})`)));
        });
        run("ip", ["netns", "exec", ns, "iptables", "-w", "-A", ...DELAY_RULE]);
    }

    /** Lifts {@link delay}. */
    undelay(name: string): void {
        const p = this.delays.get(name);
        if (!p) return;
        run("ip", ["netns", "exec", this.ns(name), "iptables", "-w", "-D", ...DELAY_RULE], true);
        p.kill("SIGTERM");
        this.delays.delete(name);
    }

    /** Argument prefix that runs a command inside host `name`. */
    exec(name: string): string[] {
        return ["ip", "netns", "exec", this.ns(name)];
    }

    destroy(): void {
        for (const name of [...this.delays.keys()]) this.undelay(name);
        // Deleting the host end removes the pair at once; a deleted namespace frees its end later, in the kernel's time.
        for (const veth of this.veths.splice(0)) run("ip", ["link", "delete", veth], true);
        for (const name of this.hosts.keys()) run("ip", ["netns", "delete", this.ns(name)], true);
        this.hosts.clear();
        run("ip", ["link", "delete", this.bridge], true);
    }
}

let netdelay: string | undefined;

/** netdelay.c compiled once per process (gcc and Debian's libnetfilter-queue-dev, which scripts/setup.sh installs). */
export function netdelayBinary(): string {
    if (netdelay) return netdelay;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-netdelay-")), "netdelay");
    run("gcc", ["-O2", "-Wall", "-o", out, path.join(__dirname, "netdelay.c"), "-lnetfilter_queue"]);
    process.on("exit", () => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
    netdelay = out;
    return out;
}

/** Why packets cannot be delayed here (no compiler or no libnetfilter-queue), or undefined. */
export function netdelayUnavailable(): string | undefined {
    if (!fs.existsSync("/usr/include/libnetfilter_queue/libnetfilter_queue.h"))
        return "libnetfilter-queue-dev not installed (run scripts/setup.sh)";
    try {
        netdelayBinary();
        return undefined;
    } catch (e) {
        return `netdelay.c does not build: ${e}`;
    }
}
