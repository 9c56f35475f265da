/**
 * The password of HAProxy's checks, kept current without a restart: a Lua loader reads it from the mounted Secret into
 * a map, and each check looks it up there (`tcp-check send-lf`), trying the previous one first during a rotation.
 */

/**
 * Where HAProxy's checks find the `haproxy` user's password: {@link renderHaproxyAuthLua} reads `file` (a key of the
 * mounted password Secret) into the map `mapFile` under `check`, and keeps the one before a change under `previous`.
 * With `derive`, the file is the component's password and the checks derive the user's from it as the data nodes do
 * (sha256 of `<password>:haproxy`); otherwise it is the derived password itself (the Secret's `haproxy-password`).
 */
export interface CheckAuth {
    /** Path of the loader script ({@link renderHaproxyAuthLua}). */
    luaFile: string;
    file: string;
    mapFile: string;
    derive: boolean;
    /**
     * How long after a change the previous password is still tried (default 300 s): past the kubelets of the data
     * pods (their sync period, about a minute) and their grace (AUTH_GRACE_SECONDS). Once the data nodes have dropped
     * it, each try is a refused AUTH in their ACL LOG, so not much longer.
     */
    keepPreviousSeconds?: number;
}

/** The map file's content before the Lua loader runs: both keys present, so `core.set_map` only replaces values. */
export const CHECK_MAP_SEED = "check -\nprevious -\n";

/**
 * `AUTH haproxy <password>` as a RESP array, the password looked up in the map at each check (`send-lf`): the ACL
 * user that may only PING, INFO and delete its probe key. Every check password is 64 hex digits (a SHA-256), hence
 * the fixed `$64`. `\x24` is `$`, which HAProxy would otherwise read as the start of a variable.
 */
export function authResp(a: CheckAuth, key: "check" | "previous"): string {
    const value = `%[str(${key}),map(${a.mapFile})${a.derive ? ",concat(,,:haproxy),sha2(256),hex,lower" : ""}]`;
    return `*3\\r\\n\\x244\\r\\nAUTH\\r\\n\\x247\\r\\nhaproxy\\r\\n\\x2464\\r\\n${value}\\r\\n`;
}

/**
 * The Lua loader of the checks' password: reads the mounted file at start and every 2 s (the kubelet rewrites it
 * when the Secret changes) into the map the checks look it up in; on a change the old value stays under `previous`
 * for `keepPreviousSeconds`, past the data nodes' grace (auth-reload.sh), then both keys hold the new one.
 */
export function renderHaproxyAuthLua(a: CheckAuth): string {
    return (
        [
            "-- Rendered by kubecache: the password HAProxy's checks log in with, from the mounted Secret.",
            `local file = "${a.file}"`,
            `local map = "${a.mapFile}"`,
            `local keep = ${a.keepPreviousSeconds ?? 300}`,
            "local current, since = nil, nil",
            "local function load()",
            '    local f = io.open(file, "r")',
            "    if f == nil then return end",
            '    local v = f:read("*a")',
            "    f:close()",
            '    if v == nil or v == "" then return end',
            "    if current == nil then",
            '        core.set_map(map, "check", v)',
            '        core.set_map(map, "previous", v)',
            "        current = v",
            "    elseif v ~= current then",
            '        core.set_map(map, "previous", current)',
            '        core.set_map(map, "check", v)',
            "        current = v",
            "        since = core.now().sec",
            "    elseif since ~= nil and core.now().sec - since >= keep then",
            '        core.set_map(map, "previous", v)',
            "        since = nil",
            "    end",
            "end",
            "core.register_init(load)",
            "core.register_task(function()",
            "    while true do",
            "        core.msleep(2000)",
            "        load()",
            "    end",
            "end)",
        ].join("\n") + "\n"
    );
}
