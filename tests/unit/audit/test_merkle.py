"""The Merkle kernel against the Certificate Transparency reference vectors and, over many sizes, against RFC 6962's
recursive definitions.

The vectors are those of google/trillian ``merkle/logverifier/log_verifier_test.go`` (the same values as the C++
certificate-transparency ``merkle_tree_test.cc`` and transparency-dev/merkle): eight leaves, the roots of the trees of
their first 1..8, and inclusion and consistency proofs. Trillian numbers inclusion leaves from 1; here from 0.
"""

from __future__ import annotations

import random

import pytest

from rtcc.audit import merkle

LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index from 0, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip

TREE = merkle.MemoryTree(merkle.leaf_hash(x) for x in LEAVES)


def _hex(hs: list[bytes]) -> list[str]:
    return [h.hex() for h in hs]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root(0, TREE.node).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_reference(size: int) -> None:
    assert merkle.root(size, TREE.node).hex() == ROOTS[size - 1]
    assert merkle.mth(LEAVES[:size]).hex() == ROOTS[size - 1]
    f = merkle.Frontier()
    for x in LEAVES[:size]:
        f.append(merkle.leaf_hash(x))
    assert f.root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_reference(index: int, size: int, path: list[str]) -> None:
    got = merkle.inclusion_path(index, size, TREE.node)
    assert _hex(got) == path
    leaf = merkle.leaf_hash(LEAVES[index])
    root = bytes.fromhex(ROOTS[size - 1])
    assert merkle.verify_inclusion(leaf, index, size, got, root)
    assert not merkle.verify_inclusion(leaf, index + 1, size, got, root)
    assert not merkle.verify_inclusion(leaf, index, size * 2, got, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"WrongLeaf"), index, size, got, root)
    assert not merkle.verify_inclusion(leaf, index, size, [*got, root], root)
    for i in range(len(got)):
        bad = list(got)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        assert not merkle.verify_inclusion(leaf, index, size, bad, root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(first: int, second: int, proof: list[str]) -> None:
    got = merkle.consistency_proof(first, second, TREE.node)
    assert _hex(got) == proof
    r1, r2 = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert merkle.verify_consistency(first, second, r1, r2, got)
    if got:
        assert not merkle.verify_consistency(first, second, r2, r1, got)
        assert not merkle.verify_consistency(first - 1, second, r1, r2, got) or first - 1 == 0
        assert not merkle.verify_consistency(first, second, r1, r2, got[:-1])
        assert not merkle.verify_consistency(first, second, r1, r2, [*got, r2])
        for i in range(len(got)):
            bad = list(got)
            bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
            assert not merkle.verify_consistency(first, second, r1, r2, bad)


def test_property_every_proof_over_many_sizes() -> None:
    """Every inclusion path and consistency proof of every tree up to 70 leaves verifies, and the root equals the
    RFC's recursive MTH; a random wrong leaf or root is refused (seeded)."""
    rng = random.Random(6962)
    data = [rng.randbytes(rng.randrange(0, 40)) for _ in range(70)]
    tree = merkle.MemoryTree(merkle.leaf_hash(d) for d in data)
    roots = [merkle.mth(data[:n]) for n in range(71)]
    for n in range(1, 71):
        assert merkle.root(n, tree.node) == roots[n]
        for i in range(n):
            path = merkle.inclusion_path(i, n, tree.node)
            assert merkle.verify_inclusion(tree.node(0, i), i, n, path, roots[n])
            other = (i + 1) % n
            if data[other] != data[i]:
                assert not merkle.verify_inclusion(tree.node(0, other), i, n, path, roots[n])
        for m in range(0, n + 1):
            proof = merkle.consistency_proof(m, n, tree.node)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof)
            if 0 < m < n:
                assert not merkle.verify_consistency(m, n, roots[m], roots[n - 1], proof)
                assert not merkle.verify_consistency(m, n, rng.randbytes(32), roots[n], proof)


def test_property_large_random_sizes_and_stored_frontier() -> None:
    """Sizes up to 5,000 (random, seeded): the streaming frontier, the frontier rebuilt from stored subtrees and the
    node-source root agree with MTH; random proofs verify."""
    rng = random.Random(9162)
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(5000)]
    tree = merkle.MemoryTree(leaves)
    stored: dict[tuple[int, int], bytes] = {}
    f = merkle.Frontier()
    sizes = sorted({1, 2, 3, 1023, 1024, 1025, 4999, 5000, *(rng.randrange(1, 5001) for _ in range(30))})
    done = 0
    for n in sizes:
        while done < n:
            for node in f.append(leaves[done]):
                stored[(node.level, node.index)] = node.hash
            done += 1
        r = merkle.root(n, tree.node)
        assert f.root() == r
        assert merkle.root(n, lambda lvl, idx: stored[(lvl, idx)]) == r
        assert merkle.Frontier.from_nodes(n, tree.node).root() == r
        i = rng.randrange(n)
        assert merkle.verify_inclusion(leaves[i], i, n, merkle.inclusion_path(i, n, tree.node), r)
        m = rng.randrange(0, n + 1)
        rm = merkle.root(m, tree.node)
        assert merkle.verify_consistency(m, n, rm, r, merkle.consistency_proof(m, n, tree.node))
    assert len(stored) == 2 * 5000 - bin(5000).count("1")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="leaf index 8"):
        merkle.inclusion_path(8, 8, TREE.node)
    with pytest.raises(ValueError, match="from size 5 to size 3"):
        merkle.consistency_proof(5, 3, TREE.node)
    assert not merkle.verify_consistency(5, 3, TREE.node(0, 0), TREE.node(0, 0), [])
    assert not merkle.verify_inclusion(TREE.node(0, 0), 0, 0, [], merkle.EMPTY_ROOT)
