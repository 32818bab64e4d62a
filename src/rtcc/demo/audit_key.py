"""The demo's audit signing key: generated once into the demo's data directory, so the demo publishes signed tree
heads of its audit log on the transparency portal without any setup. A real deployment creates its key with
``rtcc audit keygen`` and names it in ``RTCC_AUDIT_SIGNING_KEY_FILE``; a key set there is used as it is."""

from __future__ import annotations

import logging

from rtcc.audit import signing
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: File name of the generated key inside ``RTCC_DATA_DIR``.
KEY_FILE = "audit-signing-key.pem"


def with_demo_key(settings: Settings) -> Settings:
    """``settings`` with an audit signing key: the configured one, else the demo's (created on first use)."""
    if settings.audit_signing_key_file is not None:
        return settings
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        pub = signing.generate_key_file(path)
        logger.info("demo audit signing key created in %s (key id %s)", path, pub.key_id)
    return settings.model_copy(update={"audit_signing_key_file": path})
