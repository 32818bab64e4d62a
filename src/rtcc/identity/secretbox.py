"""Encryption at rest of second-factor secrets (TOTP seeds): the database holds only ciphertext.

The keys live in a key file named by ``RTCC_MFA_KEY_FILE`` (default ``<data_dir>/mfa-secret.keys``, created with
mode 0600 on first use), never in the database, the repository or the logs. The file holds one Fernet key
(AES-128-CBC with HMAC-SHA256, from ``cryptography``) per line: the first encrypts, every line decrypts. A stored
value is ``v1:<key id>:<Fernet token>``, the key id being the first 16 hex digits of the key's SHA-256, so a value
names the key that opens it.

Rotation: ``rtcc users mfa-new-key`` puts a new key first (the old ones stay below it), ``rtcc users
mfa-reencrypt`` seals every stored secret again under the first key, after which the old lines can be deleted.
A value stored before encryption existed (no ``v1:`` prefix) is still read, and ``mfa-reencrypt`` (and the
migration that introduced this) seals it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from rtcc.core.errors import ServiceUnavailable

PREFIX = "v1"
KEY_FILE_NAME = "mfa-secret.keys"


class SecretKeyError(ServiceUnavailable):
    """The key file is unreadable or malformed, or a stored secret names a key it lacks (a deployment error: 503)."""

    title = "Second-factor key unavailable"


def key_id(key: bytes) -> str:
    """The id a sealed value names its key by."""
    return hashlib.sha256(key).hexdigest()[:16]


def is_sealed(value: str) -> bool:
    """True for a value this module encrypted (else a clear secret stored before encryption existed)."""
    return value.startswith(PREFIX + ":")


@dataclass(frozen=True)
class SecretBox:
    """The loaded keys: ``keys[0]`` encrypts; every key decrypts the values that name it."""

    path: Path
    keys: tuple[bytes, ...]

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    def seal(self, secret: str) -> str:
        """Encrypt ``secret`` under the current key."""
        token = Fernet(self.keys[0]).encrypt(secret.encode()).decode()
        return f"{PREFIX}:{self.current_id}:{token}"

    def open(self, stored: str) -> str:
        """The secret in ``stored`` (a clear legacy value is returned as it is)."""
        if not is_sealed(stored):
            return stored
        _, kid, token = stored.split(":", 2)
        for key in self.keys:
            if key_id(key) == kid:
                try:
                    return Fernet(key).decrypt(token.encode()).decode()
                except InvalidToken as exc:
                    raise SecretKeyError(f"a second-factor secret sealed by key {kid} does not open") from exc
        raise SecretKeyError(f"a second-factor secret is sealed by key {kid}, which {self.path} lacks")

    def needs_reseal(self, stored: str) -> bool:
        """True when ``stored`` is clear or sealed by another key than the current one."""
        return not stored.startswith(f"{PREFIX}:{self.current_id}:")


def default_path(data_dir: Path, configured: Path | None) -> Path:
    """The key file: the configured one, else ``<data_dir>/mfa-secret.keys``."""
    return configured if configured is not None else data_dir / KEY_FILE_NAME


def _read(path: Path) -> tuple[bytes, ...]:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"second-factor key file {path}: cannot read it") from exc
    keys = tuple(line.strip().encode() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    if not keys:
        raise SecretKeyError(f"second-factor key file {path}: no key in it")
    for n, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError as exc:
            raise SecretKeyError(f"second-factor key file {path}: key {n} is not a Fernet key") from exc
    return keys


def _write_new(path: Path, keys: tuple[bytes, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"# OpenRTCC second-factor keys: the first encrypts, all decrypt. Never commit this file.\n")
        f.write(b"".join(k + b"\n" for k in keys))
    os.replace(tmp, path)


_lock = threading.Lock()
_cache: dict[Path, tuple[float, SecretBox]] = {}


def load(path: Path, *, create: bool = True) -> SecretBox:
    """The keys in ``path`` (re-read when the file changes); a missing file is created with one new key when
    ``create``, else a SecretKeyError."""
    with _lock:
        if not path.exists():
            if not create:
                raise SecretKeyError(f"second-factor key file {path}: missing")
            _write_new(path, (Fernet.generate_key(),))
        mtime = path.stat().st_mtime
        cached = _cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        box = SecretBox(path, _read(path))
        _cache[path] = (mtime, box)
        return box


def add_key(path: Path) -> SecretBox:
    """Put a new key first in ``path`` (creating the file if needed); the old keys stay for decryption."""
    old = _read(path) if path.exists() else ()
    with _lock:
        _write_new(path, (Fernet.generate_key(), *old))
        _cache.pop(path, None)
    return load(path)
