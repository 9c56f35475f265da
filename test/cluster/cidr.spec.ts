import * as assert from "assert";
import { contains, firstOverlap, formatCidr, overlaps, parseCidr, subnet } from "../../components/cluster/cidr";

const c = (text: string) => {
    const parsed = parseCidr(text);
    assert.ok(parsed, `${text} should parse`);
    return parsed;
};

describe("cidr", () => {
    it("parses and formats IPv4 blocks, refusing host bits and bad octets", () => {
        assert.deepStrictEqual(parseCidr("10.0.0.0/16"), { base: 0x0a000000, prefix: 16 });
        assert.strictEqual(formatCidr(c("192.168.4.0/22")), "192.168.4.0/22");
        assert.strictEqual(formatCidr(c("0.0.0.0/0")), "0.0.0.0/0");
        for (const bad of ["10.0.0.1/16", "10.0.0.0", "256.0.0.0/8", "10.0.0.0/33", "a.b.c.d/8", ""]) {
            assert.strictEqual(parseCidr(bad), undefined, bad);
        }
    });

    it("detects overlap and containment at the edges", () => {
        assert.ok(overlaps(c("10.0.0.0/16"), c("10.0.255.0/24")));
        assert.ok(!overlaps(c("10.0.0.0/16"), c("10.1.0.0/16")));
        assert.ok(overlaps(c("172.16.0.0/12"), c("172.20.0.0/16")));
        assert.ok(contains(c("10.0.0.0/16"), c("10.0.240.0/20")));
        assert.ok(!contains(c("10.0.0.0/16"), c("10.0.0.0/15")));
        assert.ok(!contains(c("10.0.0.0/16"), c("10.1.0.0/20")));
    });

    it("cuts subnets like cidrsubnet and rejects out-of-range indexes", () => {
        assert.strictEqual(formatCidr(subnet(c("10.0.0.0/16"), 20, 0)), "10.0.0.0/20");
        assert.strictEqual(formatCidr(subnet(c("10.0.0.0/16"), 20, 8)), "10.0.128.0/20");
        assert.strictEqual(formatCidr(subnet(c("10.0.0.0/16"), 20, 15)), "10.0.240.0/20");
        assert.throws(() => subnet(c("10.0.0.0/16"), 20, 16), /index 16 is out of range/);
        assert.throws(() => subnet(c("10.0.0.0/16"), 8, 0), /cannot cut/);
    });

    it("names the first overlapping pair", () => {
        assert.deepStrictEqual(
            firstOverlap([
                ["a", c("10.0.0.0/20")],
                ["b", c("10.0.16.0/20")],
                ["c", c("10.0.8.0/21")],
            ]),
            ["a", "c"],
        );
        assert.strictEqual(
            firstOverlap([
                ["a", c("10.0.0.0/20")],
                ["b", c("10.0.16.0/20")],
            ]),
            undefined,
        );
    });
});
