"""Start-up's objects are frozen out of the collector while the app serves (``rtcc.core.gcpause.freeze_long_lived``):
a full collection then walks only what was made since, instead of stalling every request for the whole heap; the app
hands them back when it stops."""

from __future__ import annotations

import gc
import time

from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.core.gcpause import freeze_long_lived, thaw
from rtcc.settings import Settings


def _full_collection_s() -> float:
    started = time.perf_counter()
    gc.collect()
    return time.perf_counter() - started


def test_the_serving_app_keeps_start_up_objects_out_of_collections(settings: Settings) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings.model_copy(update={"gc_freeze": True}))) as client:
        assert client.get("/healthz").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # modules, routes, schemas, SQL metadata: the app's whole start-up
        tracked = len(gc.get_objects())
        assert tracked < frozen  # a collection now walks fewer objects than start-up left behind
    assert gc.get_freeze_count() == 0  # stopped: everything is the collector's again


def test_freezing_makes_a_full_collection_walk_only_what_came_after() -> None:
    gc.unfreeze()
    keep = [{"n": i} for i in range(300_000)]  # long-lived objects, like an app's
    walked_before = len(gc.get_objects())
    try:
        assert freeze_long_lived() >= len(keep)
        assert len(gc.get_objects()) < walked_before - len(keep) // 2
        assert _full_collection_s() < 1.0
    finally:
        thaw()
    assert gc.get_freeze_count() == 0
    del keep


def test_the_setting_turns_it_off(settings: Settings) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings.model_copy(update={"gc_freeze": False}))) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
