#!/usr/bin/env python3
"""Standalone verifier of an OpenRTCC audit log (docs/audit-verification.md). Needs only Python 3.11+ and the
``cryptography`` package; it shares no code with the server, so a bug there is not copied here.

It checks, against the Ed25519 public keys the city publishes (several when the signing key was rotated):
- every signed tree head's signature (RFC 6962 3.5 ``TreeHeadSignature`` bytes) by the key its key id names, and,
  where the keys document gives validity (``.../audit-log/keys``), that the head lies within that key's validity;
- that heads never shrink and that two heads of one size have one root;
- the consistency proof between each pair of successive heads (RFC 6962 2.1.2, verified as RFC 9162 2.1.4.2);
- inclusion proofs (RFC 6962 2.1.1, verified as RFC 9162 2.1.3.2);
- an exported log (``rtcc audit export``): every entry's chain hash from its exact bytes, the links, the seq
  numbers, and the Merkle root at every head's size. An export shorter than the newest head is truncated.

Inputs are the JSON documents the transparency portal serves (``/api/v1/transparency/audit-log/...``), read from
files or fetched with ``--url``. Exit status: 0 all checks passed, 1 a check failed, 2 unusable input.

    python tools/verify_audit_log.py --url https://rtcc.example.gov --export audit.jsonl
    python tools/verify_audit_log.py --key key.json --heads heads.json --proofs consistency.json --export audit.jsonl
    python tools/verify_audit_log.py --key keys.json --key old-key.pem --heads heads.json

``--key`` is repeatable and takes the keys list (``.../audit-log/keys``), one key document (``.../audit-log/key``)
or a PEM public key.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import struct
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
EMPTY_ROOT = hashlib.sha256(b"").digest()
API = "/api/v1/transparency/audit-log"


class BadInput(Exception):
    """A file or document that cannot be used (exit 2)."""


# --- RFC 6962 hashing and proof verification --------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """Roots of the complete subtrees on the right edge of a growing tree (streaming MTH)."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[tuple[int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        self.stack.append((0, leaf))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            level, right = self.stack.pop()
            _, left = self.stack.pop()
            self.stack.append((level + 1, node_hash(left, right)))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and root1 == root2
    if first == 0:
        return not proof
    if not proof:
        return False
    items = list(proof)
    if first & (first - 1) == 0:
        items.insert(0, root1)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# --- inputs ------------------------------------------------------------------------------------------------------


def _hex(value: Any, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise BadInput(f"{what}: not a hex string") from None
    if len(raw) != 32:
        raise BadInput(f"{what}: not 32 bytes")
    return raw


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None


def _fetch(base: str, path: str, **query: Any) -> Any:
    url = base.rstrip("/") + path + ("?" + urllib.parse.urlencode(query) if query else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (the operator names the URL)
            return json.load(r)
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{url}: {exc}") from None


def load_public_key(doc: Any, where: str) -> tuple[Ed25519PublicKey, str]:
    """The key from the portal's key document (JSON with ``public_key``, raw base64) or PEM text."""
    try:
        if isinstance(doc, dict):
            raw = base64.b64decode(doc["public_key"], validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw)
        else:
            loaded = serialization.load_pem_public_key(str(doc).encode())
            if not isinstance(loaded, Ed25519PublicKey):
                raise BadInput(f"{where}: not an Ed25519 public key")
            key = loaded
    except (KeyError, ValueError, TypeError) as exc:
        raise BadInput(f"{where}: not a public key ({exc})") from None
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, hashlib.sha256(raw).hexdigest()


class Key:
    """A verification key and, when the keys document says, the window of heads it signed (ms, both ends included)."""

    def __init__(self, key: Ed25519PublicKey, key_id: str, valid_from: int | None, valid_until: int | None) -> None:
        self.key, self.key_id, self.valid_from, self.valid_until = key, key_id, valid_from, valid_until

    def covers(self, timestamp: int) -> bool:
        return (self.valid_from is None or timestamp >= self.valid_from) and (
            self.valid_until is None or timestamp <= self.valid_until
        )


def load_keys(doc: Any, where: str) -> list[Key]:
    """The keys in a keys list, one key document or PEM text; a stated key id must match the key."""
    out = []
    for n, item in enumerate(doc if isinstance(doc, list) else [doc]):
        at = f"{where} (key {n + 1})" if isinstance(doc, list) else where
        key, key_id = load_public_key(item, at)
        if isinstance(item, dict):
            if item.get("key_id") not in (None, key_id):
                raise BadInput(f"{at}: key_id {item.get('key_id')} is not the key's id {key_id}")
            valid_from, valid_until = item.get("valid_from"), item.get("valid_until")
            out.append(Key(key, key_id, None if valid_from is None else int(valid_from), _opt_int(valid_until)))
        else:
            out.append(Key(key, key_id, None, None))
    return out


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def read_export(path: str) -> list[dict[str, Any]]:
    """The lines of an export, checked for shape (line numbers in errors)."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    seq, prev, h = int(item["seq"]), str(item["prev_hash"]), str(item["hash"])
                    body = base64.b64decode(item["body"], validate=True)
                except (ValueError, KeyError, TypeError) as exc:
                    raise BadInput(f"{path} line {n}: not an export line ({exc})") from None
                out.append({"seq": seq, "prev_hash": prev, "hash": h, "body": body, "line": n})
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror}") from None
    return out


# --- checks ------------------------------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def ok(self, msg: str) -> None:
        print(f"OK   {msg}")

    def fail(self, msg: str) -> None:
        self.failures += 1
        print(f"FAIL {msg}")


def head_message(head: dict[str, Any]) -> bytes:
    root = _hex(head["sha256_root_hash"], f"head {head.get('id')}")
    return struct.pack(">BBQQ", 0, 1, int(head["timestamp"]), int(head["tree_size"])) + root


def check_heads(heads: list[dict[str, Any]], keys: list[Key], rep: Report) -> None:
    by_id = {k.key_id: k for k in keys}
    good = 0
    for h in heads:
        try:
            msg = head_message(h)
            sig = base64.b64decode(h["tree_head_signature"], validate=True)
        except (KeyError, ValueError, TypeError) as exc:
            raise BadInput(f"head {h.get('id')}: missing or malformed field ({exc})") from None
        key = by_id.get(str(h.get("key_id")))
        if key is None:
            rep.fail(f"head {h.get('id')} (size {h['tree_size']}): signed by key {h.get('key_id')}, not a given key")
            continue
        if not key.covers(int(h["timestamp"])):
            rep.fail(f"head {h.get('id')} (size {h['tree_size']}): outside the validity of key {key.key_id[:16]}...")
            continue
        try:
            key.key.verify(sig, msg)
            good += 1
        except InvalidSignature:
            rep.fail(f"head {h.get('id')} (size {h['tree_size']}): signature does not verify")
    if good == len(heads):
        used = sorted({str(h.get("key_id"))[:16] for h in heads})
        rep.ok(f"{good} tree head signatures verify ({len(used)} key(s): {', '.join(k + '...' for k in used)})")
    roots: dict[int, str] = {}
    for a, b in itertools.pairwise(heads):
        if int(b["tree_size"]) < int(a["tree_size"]):
            rep.fail(
                f"head {b.get('id')} has {b['tree_size']} entries, fewer than head {a.get('id')} ({a['tree_size']})"
            )
        if int(b["timestamp"]) < int(a["timestamp"]):
            rep.fail(f"head {b.get('id')} is older than the head before it")
    for h in heads:
        size, root = int(h["tree_size"]), h["sha256_root_hash"]
        if roots.setdefault(size, root) != root:
            rep.fail(f"two heads of size {size} have different roots (the log forked)")


def successive_pairs(heads: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(older, newer) for each step where the size grew."""
    pairs = []
    for a, b in itertools.pairwise(heads):
        if int(b["tree_size"]) > int(a["tree_size"]) > 0:
            pairs.append((a, b))
    return pairs


def check_consistency(
    heads: list[dict[str, Any]], proofs: dict[tuple[int, int], list[bytes]], rep: Report, *, required: bool
) -> None:
    pairs = successive_pairs(heads)
    checked = 0
    for a, b in pairs:
        m, n = int(a["tree_size"]), int(b["tree_size"])
        proof = proofs.get((m, n))
        if proof is None:
            if required:
                rep.fail(f"no consistency proof between sizes {m} and {n}")
            continue
        r1, r2 = _hex(a["sha256_root_hash"], "root"), _hex(b["sha256_root_hash"], "root")
        if verify_consistency(m, n, r1, r2, proof):
            checked += 1
        else:
            rep.fail(f"consistency proof {m} -> {n} does not verify: head {b.get('id')} does not extend {a.get('id')}")
    if pairs and checked == len(pairs):
        rep.ok(f"{checked} consistency proofs between successive heads verify")


def check_inclusions(docs: Iterable[dict[str, Any]], heads: list[dict[str, Any]], rep: Report) -> None:
    by_size = {int(h["tree_size"]): h["sha256_root_hash"] for h in heads}
    for d in docs:
        try:
            seq, size, index = int(d["seq"]), int(d["tree_size"]), int(d["leaf_index"])
            leaf = _hex(d["leaf_hash"], f"inclusion of seq {seq}")
            path = [_hex(p, f"inclusion of seq {seq}") for p in d["audit_path"]]
        except (KeyError, ValueError, TypeError) as exc:
            raise BadInput(f"inclusion proof: missing or malformed field ({exc})") from None
        root = by_size.get(size)
        if root is None:
            rep.fail(f"inclusion of seq {seq}: no signed head of size {size}")
        elif index != seq - 1 or not verify_inclusion(leaf, index, size, path, bytes.fromhex(root)):
            rep.fail(f"inclusion of seq {seq} in the head of size {size} does not verify")
        else:
            rep.ok(f"entry {seq} is included in the signed head of size {size}")


def check_export(entries: list[dict[str, Any]], heads: list[dict[str, Any]], rep: Report) -> None:
    wanted: dict[int, list[dict[str, Any]]] = {}
    for h in heads:
        wanted.setdefault(int(h["tree_size"]), []).append(h)
    frontier, prev, matched = Frontier(), GENESIS, 0
    for size_heads in wanted.get(0, []):
        if size_heads["sha256_root_hash"] != EMPTY_ROOT.hex():
            rep.fail(f"head {size_heads.get('id')} of size 0 has a non-empty root")
    for e in entries:
        seq, where = e["seq"], f"export line {e['line']} (seq {e['seq']})"
        if seq != frontier.size + 1:
            rep.fail(f"{where}: expected seq {frontier.size + 1} (entries missing, inserted or reordered)")
            return
        if e["prev_hash"] != prev:
            rep.fail(f"{where}: does not link to the entry before it")
            return
        if hashlib.sha256(prev.encode() + b"|" + e["body"]).hexdigest() != e["hash"]:
            rep.fail(f"{where}: its hash does not match its contents (edited)")
            return
        try:
            body_seq = json.loads(e["body"])["seq"]
        except (ValueError, KeyError, TypeError):
            body_seq = None
        if body_seq != seq:
            rep.fail(f"{where}: its contents name seq {body_seq}")
            return
        frontier.append(leaf_hash(bytes.fromhex(e["hash"])))
        prev = e["hash"]
        for h in wanted.get(frontier.size, []):
            if frontier.root().hex() != h["sha256_root_hash"]:
                rep.fail(f"the first {frontier.size} exported entries do not match signed head {h.get('id')}")
                return
            matched += 1
    newest = max((int(h["tree_size"]) for h in heads), default=0)
    if newest > frontier.size:
        rep.fail(
            f"the export has {frontier.size} entries but the newest signed head covers {newest}: "
            f"the log was truncated (or the export is incomplete)"
        )
        return
    rep.ok(f"export of {frontier.size} entries: chain intact, matches {matched} signed heads (newest size {newest})")


# --- command line ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", help="base URL of the RTCC server: fetch the key, the heads and the consistency proofs")
    ap.add_argument(
        "--key",
        action="append",
        default=[],
        help="the keys list (JSON from .../audit-log/keys), a key document (.../audit-log/key) or a PEM public key "
        "file; repeatable (rotated keys)",
    )
    ap.add_argument("--heads", help="the heads (JSON list from .../audit-log/heads)")
    ap.add_argument("--proofs", help="consistency proofs (JSON list of .../audit-log/consistency documents)")
    ap.add_argument("--inclusion", action="append", default=[], help="an inclusion proof document (repeatable)")
    ap.add_argument("--export", help="an exported log (JSON Lines from `rtcc audit export`)")
    args = ap.parse_args(argv)
    rep = Report()
    try:
        proofs: dict[tuple[int, int], list[bytes]] = {}
        keys: list[Key] = []
        if args.url:
            keys = load_keys(_fetch(args.url, f"{API}/keys"), args.url)
            heads: list[dict[str, Any]] = []
            while True:
                page = _fetch(args.url, f"{API}/heads", after_id=heads[-1]["id"] if heads else 0, limit=1000)
                heads += page
                if len(page) < 1000:
                    break
            for a, b in successive_pairs(heads):
                m, n = int(a["tree_size"]), int(b["tree_size"])
                doc = _fetch(args.url, f"{API}/consistency", first=m, second=n)
                proofs[(m, n)] = [_hex(p, "consistency proof") for p in doc["consistency"]]
        else:
            if not args.key or not args.heads:
                raise BadInput("give --url, or --key and --heads")
            heads = _read_json(args.heads)
            if not isinstance(heads, list):
                raise BadInput(f"{args.heads}: expected a JSON list of heads")
            if args.proofs:
                for doc in _read_json(args.proofs):
                    m, n = int(doc["first"]), int(doc["second"])
                    proofs[(m, n)] = [_hex(p, f"consistency proof {m}->{n}") for p in doc["consistency"]]
        for path in args.key:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as exc:
                raise BadInput(f"{path}: {exc.strerror}") from None
            keys += load_keys(text if text.lstrip().startswith("-----BEGIN") else _read_json(path), path)
        heads.sort(key=lambda h: int(h["id"]))
        if not heads:
            raise BadInput("no signed tree heads to check")
        if not keys:
            raise BadInput("no public key to check the heads with")
        check_heads(heads, keys, rep)
        check_consistency(heads, proofs, rep, required=bool(args.url or args.proofs))
        check_inclusions((_read_json(p) for p in args.inclusion), heads, rep)
        if args.export:
            check_export(read_export(args.export), heads, rep)
    except BadInput as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    print("audit log verified" if not rep.failures else f"{rep.failures} check(s) FAILED")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
