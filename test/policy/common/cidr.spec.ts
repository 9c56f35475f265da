import "../../support/mocks";
import * as assert from "node:assert/strict";
import { isPrivateCidr } from "../../../policy/common/cidr";

describe("policy/common/cidr", () => {
    it("accepts blocks inside the RFC 1918 ranges, edges included", () => {
        for (const c of ["10.0.0.0/8", "10.255.255.0/24", "172.16.0.0/12", "172.31.255.240/28", "192.168.0.0/16"])
            assert.ok(isPrivateCidr(c), c);
    });

    it("refuses public, CGNAT, straddling and malformed blocks", () => {
        for (const c of [
            "8.8.8.0/24",
            "100.64.0.0/10",
            "172.32.0.0/16",
            "172.0.0.0/8",
            "0.0.0.0/0",
            "10.0.0.0",
            "10.0.0.256/24",
            "10.0.0.0/33",
        ]) {
            assert.equal(isPrivateCidr(c), false, c);
        }
    });
});
