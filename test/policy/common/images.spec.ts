import "../../support/mocks";
import * as assert from "node:assert/strict";
import { imageBaseName, imageRepository, unpinnedReason } from "../../../policy/common/images";

describe("policy/common/images", () => {
    it("strips registry host, port, tag and digest from the repository", () => {
        assert.equal(imageRepository("redis"), "redis");
        assert.equal(imageRepository("bitnami/redis:7.4"), "bitnami/redis");
        assert.equal(imageRepository("localhost:5001/memcached-operator:0.1.0"), "memcached-operator");
        assert.equal(imageRepository(`registry.cn-hangzhou.aliyuncs.com/kubecache/op@sha256:${"b".repeat(64)}`), "kubecache/op");
        assert.equal(imageBaseName("docker.io/bitnami/redis-sentinel:7.4"), "redis-sentinel");
    });

    it("explains why a reference is not pinned", () => {
        assert.equal(unpinnedReason("redis:7.4.2"), undefined);
        assert.equal(unpinnedReason(`redis@sha256:${"c".repeat(64)}`), undefined);
        assert.equal(unpinnedReason("redis"), "has no tag");
        assert.equal(unpinnedReason("redis:"), "has no tag");
        assert.equal(unpinnedReason("localhost:5001/op"), "has no tag");
        assert.equal(unpinnedReason("redis:latest"), "uses the mutable `latest` tag");
        assert.equal(unpinnedReason("redis@sha256:abc"), "has a malformed digest");
    });
});
