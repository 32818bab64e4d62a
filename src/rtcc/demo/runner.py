"""``rtcc demo``: migrate, seed the simulated Cerritos, start the server, the camera simulator and the simulated shift
of calls for service (``rtcc.demo.shift``), print how to look.

Everything runs in one process on the embedded profile (SQLite + in-process bus) unless the environment says
otherwise. The simulator posts reads over HTTP with a sensor API key, so what you see is the production path.

Order, so that live activity starts within seconds: the city is seeded (users, cameras, lists, programs), the
simulator starts, then about four weeks of read history (``rtcc.demo.history``) load in a background thread; the
URLs are printed when the server is up and again, last, when the history is in (with how long it took). This week's
hotspot forecasts (``rtcc.demo.seed_analytics``) are computed in another background thread, a few seconds after start.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import anyio
import uvicorn
from fastapi import APIRouter

from rtcc.app import create_app
from rtcc.core.clock import utcnow
from rtcc.core.migrate import upgrade
from rtcc.demo import crops, oversight_history, seed_analytics, seed_oversight, seed_simulator
from rtcc.demo import patrol as patrol_demo
from rtcc.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from rtcc.demo.audit_key import with_demo_key
from rtcc.demo.drone_flights import DroneFlightSimulator
from rtcc.demo.feeder import MIN_READS_PER_MINUTE, Feeder
from rtcc.demo.history import HISTORY_DAYS, HistoryResult, seed_history
from rtcc.demo.seed import SeedResult, seed
from rtcc.demo.shift import ShiftSimulator
from rtcc.runtime import Runtime
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: The city profile the demo world belongs to.
DEMO_PROFILE = "cerritos"


@dataclass
class DemoState:
    """What the demo's startup produced (tests read it)."""

    seeded: SeedResult | None = None
    feeder: Feeder | None = None
    shift: ShiftSimulator | None = None
    patrol: patrol_demo.PatrolDemo | None = None
    walker: patrol_demo.PatrolWalker | None = None
    history: HistoryResult | None = None
    history_error: str | None = None
    history_done: threading.Event = field(default_factory=threading.Event)
    forecasts_done: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    extra: dict[str, object] = field(default_factory=dict)


def demo_routers() -> list[APIRouter]:
    """The routes only the demo serves: the simulated cameras' plate crops (``alerts:read_verified``). The production
    app never mounts them; the demo adds them to its own app."""
    return [crops.router]


def build_demo_app(
    settings: Settings, *, speedup: float = 1.0, state: DemoState | None = None, history_days: int = HISTORY_DAYS
) -> object:
    """The app with a startup hook that seeds the demo, starts the simulator against ``settings.port`` and loads
    ``history_days`` of read history in the background. The demo world is Cerritos, so the demo always serves the
    packaged ``cerritos`` city profile."""
    if settings.city_profile != DEMO_PROFILE:
        logger.warning(
            "the demo simulates Cerritos: city profile %r replaced by %r", settings.city_profile, DEMO_PROFILE
        )
        settings = settings.model_copy(update={"city_profile": DEMO_PROFILE})
    settings = with_demo_key(settings)
    settings = demo_security(settings)
    state = state or DemoState()
    base_url = f"http://{settings.host}:{settings.port}"

    async def start(runtime: Runtime) -> None:
        def do_seed() -> SeedResult:
            with runtime.db.uow() as session:
                return seed(session, runtime.bus, settings=runtime.settings)

        seeded = state.seeded = await anyio.to_thread.run_sync(do_seed)
        state.feeder = Feeder(base_url, seeded.api_key, hotlist=seeded.hotlist_entries, speedup=speedup)
        state.feeder.start()
        state.shift = ShiftSimulator(runtime.db, runtime.bus, runtime.settings, speedup=speedup)
        state.shift.start()

        def do_patrol() -> patrol_demo.PatrolDemo | None:
            with runtime.db.uow() as session:
                return patrol_demo.seed(session, runtime.settings)

        try:  # a burglary, its near-repeat alert, a house check and the CSO plan the simulated C2 walks
            state.patrol = await anyio.to_thread.run_sync(do_patrol)
        except Exception:  # the demo goes on without its patrol story
            logger.exception("demo patrol plan could not be made")
        state.walker = patrol_demo.PatrolWalker(runtime.db, runtime.settings)
        state.walker.start(speedup=speedup)
        drones = DroneFlightSimulator(runtime.db, runtime.bus, runtime.settings, speedup=speedup)
        state.extra["drone_flights"] = drones
        drones.start()
        _banner(base_url, seeded, history_days=history_days)

        def load_history() -> None:
            try:  # the simulated CAD history of the oversight screens first: a few seconds
                sim = seed_oversight.seed_history(runtime.db)
                print(
                    f"  Simulated CAD history for the oversight screens: {sim['simulated_calls']:,} calls", flush=True
                )
            except Exception:
                logger.exception("demo CAD history could not be loaded")
            try:
                state.history = seed_history(
                    runtime.db,
                    runtime.bus,
                    runtime.settings,
                    hotlist=seeded.hotlist_entries,
                    days=history_days,
                    stop=state.stopping,
                )
                if state.stopping.is_set():
                    return
                print(_history_line(state.history), flush=True)
                _banner(base_url, seeded, history_days=0)
            except Exception as exc:  # the live demo goes on without its history
                logger.exception("demo history could not be loaded")
                state.history_error = str(exc)
            finally:
                state.history_done.set()
            if state.stopping.is_set():
                return
            # the simulator's demo runs (a scenario beside its baseline, backtests) after the read history: minutes
            try:
                runs = seed_simulator.seed(
                    runtime.db,
                    origin=f"cad:{oversight_history.ORIGIN_NAME}",
                    cad_history=runtime.settings.demo_cad_history,
                )
                if runs:
                    print(f"  Simulator demo runs: {', '.join(f'{k} ({v})' for k, v in runs.items())}", flush=True)
            except Exception:
                logger.exception("demo simulator runs could not be made")

        threading.Thread(target=load_history, name="demo-history", daemon=True).start()

        def compute_forecasts() -> None:  # this week's hotspot forecasts, off the start-up path
            try:
                seed_analytics.compute_forecasts(runtime.db, settings=runtime.settings, now=utcnow())
            except Exception:  # the demo goes on; the forecast job or an analyst's refresh computes them later
                logger.exception("demo forecasts could not be computed")
            finally:
                state.forecasts_done.set()

        threading.Thread(target=compute_forecasts, name="demo-forecasts", daemon=True).start()

    async def stop(runtime: Runtime) -> None:
        state.stopping.set()
        if state.feeder is not None:
            await anyio.to_thread.run_sync(state.feeder.stop)
        if state.shift is not None:
            await anyio.to_thread.run_sync(state.shift.stop)
        if state.walker is not None:
            await anyio.to_thread.run_sync(state.walker.stop)
        drones = state.extra.get("drone_flights")
        if isinstance(drones, DroneFlightSimulator):
            await anyio.to_thread.run_sync(drones.stop)
        await anyio.to_thread.run_sync(lambda: state.history_done.wait(30))
        await anyio.to_thread.run_sync(lambda: state.forecasts_done.wait(60))

    return create_app(settings, extra_hooks=[(start, stop)], extra_routers=demo_routers())


def demo_security(settings: Settings) -> Settings:
    """The demo runs over plain http on localhost with shared demo passwords: unless ``RTCC_MFA_REQUIRED`` or
    ``RTCC_COOKIE_SECURE`` is set explicitly, staff sign in without a second factor and the session cookie is not
    ``Secure``. ``RTCC_MFA_REQUIRED=true rtcc demo`` is the demo's production mode: each staff user enrols a TOTP
    app or a security key at first sign-in (the sign-in screen walks them through it)."""
    update = {name: False for name in ("mfa_required", "cookie_secure") if name not in settings.model_fields_set}
    if update:
        logger.info("demo: %s turned off (set them explicitly to keep them on)", ", ".join(sorted(update)))
    return settings.model_copy(update=update) if update else settings


def _history_line(h: HistoryResult) -> str:
    return (
        f"  Read history loaded: {h.generated:,} reads over {h.days} days ({h.accepted:,} new) in {h.seconds:.0f} s;"
        " search, track, stakeout, common plates and co-travel now reach back that far."
    )


def _banner(base_url: str, seeded: SeedResult, *, history_days: int) -> None:
    loading = (
        [f"  Loading {history_days} days of read history in the background (search and track fill in as it loads)."]
        if history_days
        else []
    )
    lines = [
        "",
        "  OpenRTCC demo: simulated Cerritos, CA",
        f"  {seeded.cameras} ALPR cameras, {seeded.hotlists} hotlists ({seeded.entries} entries), live traffic"
        f" (at least {MIN_READS_PER_MINUTE} reads a minute: the quiet night hours are compressed)",
        *loading,
        "",
        f"  RTCC dashboard:      {base_url}/app/",
        f"  Community portal:    {base_url}/portal",
        f"  Transparency portal: {base_url}/transparency",
        f"  API docs:            {base_url}/docs",
        f"  Staff sign-in: {', '.join(u for u, _, _ in DEMO_USERS)}  (password: {DEMO_PASSWORD})",
        "  Community accounts (same password): resident1, business1, maria.g, homeowner1 ...",
        "  Hits appear within a minute, including a misread that must be rejected. Calls for service arrive through"
        " a simulated shift (dispatcher: dispatcher; field: officer, cso, guard). Ctrl-C stops.",
        "",
    ]
    print("\n".join(lines), flush=True)


def run_demo(settings: Settings, *, speedup: float = 1.0) -> None:
    """Migrate, then serve the demo until interrupted."""
    upgrade(settings.database_url)
    app = build_demo_app(settings, speedup=speedup)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the simulator's own requests are not news
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
