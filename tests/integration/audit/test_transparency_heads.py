"""Signed tree heads are published at least hourly, kept, and listed on the public transparency page with their
proofs and every signing key (issue 15, finding 5).

The job runs in the ``jobs`` worker and in the embedded profile (``rtcc demo``, whose key is made on first use);
the page lists the newest heads with links to an inclusion proof and to the consistency proof with the head before,
and the keys with their validity. The old page showed only the newest head and linked the single key.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from rtcc.app import _startup_hooks
from rtcc.audit import jobs, service, signing, tree
from rtcc.audit.service import AuditDraft
from rtcc.core.db import Database
from rtcc.core.manifest import load
from rtcc.demo.audit_key import with_demo_key
from rtcc.settings import Settings
from rtcc.workers.run import hooks_for


def test_the_head_job_runs_hourly_in_the_jobs_worker_and_the_embedded_demo(settings: Settings, tmp_path: Path) -> None:
    assert Settings.model_fields["audit_tree_head_interval_s"].default <= 3600
    start = load("rtcc.audit.jobs:start")
    assert start in [s for s, _ in hooks_for("jobs", settings)]
    demo = with_demo_key(settings.model_copy(update={"data_dir": tmp_path, "run_consumers": True}))
    assert demo.audit_signing_key_file is not None and demo.audit_signing_key_file.is_file()
    assert start in [s for s, _ in _startup_hooks(demo)]
    assert jobs.FIRST_PASS_DELAY_S <= 60  # a fresh demo shows a head within a minute


def test_the_page_lists_heads_with_proofs_and_keys(app_client: TestClient, db: Database, tmp_path: Path) -> None:
    key_file = tmp_path / "k.pem"
    signing.generate_key_file(key_file)
    key = signing.load_private_key(key_file)
    for n in (2, 3, 4):
        with db.uow() as s:
            service.record_many(s, [AuditDraft("ana", "analyst", "t.x", "t", str(i), {}) for i in range(n)])
        with db.uow() as s:
            tree.publish_head(s, key)
    page = app_client.get("/transparency?lang=en")
    assert page.status_code == 200
    listed = page.text[page.text.index('id="audit-head-list"') :]
    listed = listed[: listed.index("</table>")]
    assert listed.count("<tr>") == 4  # the header and three heads
    links = [html.unescape(u) for u in re.findall(r'href="(/api/v1/transparency/audit-log/[^"]+)"', page.text)]
    consistency = [u for u in links if "/consistency?" in u]
    inclusion = [u for u in links if "/inclusion?" in u]
    assert len(consistency) == 2 and len(inclusion) == 3
    for url in consistency + inclusion + ["/api/v1/transparency/audit-log/keys"]:
        resp = app_client.get(url)
        assert resp.status_code == 200, (url, resp.text)
    assert app_client.get(consistency[0]).json()["consistency"]
    assert 'id="audit-keys"' in page.text and signing.public_key_of(key).key_id in page.text
    assert "current key" in page.text
