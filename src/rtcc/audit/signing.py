"""The Ed25519 key that signs the audit log's tree heads, and what exactly is signed.

The signed bytes are RFC 6962 section 3.5's ``TreeHeadSignature`` structure: version ``v1`` (0, one byte),
signature type ``tree_hash`` (1, one byte), the timestamp in milliseconds since the epoch (uint64, big-endian), the
tree size (uint64, big-endian) and the 32-byte SHA-256 root hash: 50 bytes. The key id is the SHA-256 of the raw
32-byte public key, in hex. The private key lives in a PEM file named by ``RTCC_AUDIT_SIGNING_KEY_FILE``; it never
enters the database, the logs or the repository.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rtcc.core.errors import ServiceUnavailable


class SigningKeyError(ServiceUnavailable):
    """The signing key file is missing, unreadable or not an Ed25519 private key (a deployment error: 503)."""

    title = "Signing key unavailable"


def tree_head_message(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    """The 50 bytes that are signed (RFC 6962 3.5 ``TreeHeadSignature``)."""
    if len(root_hash) != 32:
        raise ValueError("root hash must be 32 bytes")
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root_hash


@dataclass(frozen=True)
class PublicKey:
    """The published verification key: raw 32 bytes (base64), its id and its PEM."""

    algorithm: str
    public_key: str
    key_id: str
    pem: str


def public_key_of(key: Ed25519PrivateKey) -> PublicKey:
    """The public half of ``key`` as it is published."""
    pub = key.public_key()
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return PublicKey("Ed25519", base64.b64encode(raw).decode(), hashlib.sha256(raw).hexdigest(), pem)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 private key; a clear error names the file otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"audit signing key file {path}: cannot read it ({exc.strerror})") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"audit signing key file {path}: not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"audit signing key file {path}: not an Ed25519 key")
    return key


def generate_key_file(path: Path) -> PublicKey:
    """Create a new Ed25519 key in ``path`` (mode 0600; refuses to overwrite) and return its public half."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_key_of(key)


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """Ed25519 signature of ``message``, base64."""
    return base64.b64encode(key.sign(message)).decode()


def verify(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is the Ed25519 signature of ``message`` by the raw public key ``public_key_b64``."""
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        pub.verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
