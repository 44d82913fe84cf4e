"""Report generation of a fleet order, measured side by side in one run and printed as ratios.

What runs: the real Firestore, Cloud Storage and Cloud Tasks emulators (``dev.localcloud``) and
the Tesla simulator in this process (werkzeug, threaded), with every car of the ``fleet`` account
online, a wake delay of 0 and a latency fault of ``--latency`` seconds on every Fleet API call
(``POST /admin/faults {"kind": "latency"}``). Orders are made through the library as a customer
makes them: ``shared.connect.start`` → headless consent (``login_hint=fleet``) →
``shared.connect.flow.finish`` → ``shared.orders.selection.select(package="expert")`` →
``shared.pricing.quoting.quote_session`` with the 100 % voucher → ``shared.payments.checkout
.create_payment``, which settles the zero total and enqueues one Cloud Task per car. The tasks
go to a worker URL nobody serves (their deliveries fail harmlessly); the bench itself calls
``shared.delivery.worker.build_car_report`` for every car from a pool of as many threads as cars,
as Cloud Tasks' concurrent dispatch would, and times the whole order.

Each run measures, interleaved so that the shared machine's noise hits every column alike:

* ``gen 1`` / ``gen N``: the worker end to end (claim, Tesla fetch, normalise, PDF, storage,
  completion) for a 1-car and an N-car order, one thread per car in this process;
* ``gen 1p`` / ``gen Np``: the same with one warm worker process per car (imports done, fonts
  loaded), as Cloud Tasks reaches separate instances; threads share one GIL and the PDF
  renderer's process-wide lock, processes share only the machine's cores. A delivery that
  raises is delivered again (at most 5 times, as Cloud Tasks would) and counted in the table;
* ``fetch 1`` / ``fetch N``: the library's fetch alone, as the worker sequences it (the order's
  charging history once, then every car's modules concurrently, one ``FleetClient`` per car),
  without Firestore, PDF or storage;
* ``seq N``: the sequential baseline: the same Tesla calls made one at a time through one
  ``shared.tesla.fleet.FleetClient``, car after car, call after call, no threads.

Before each phase the simulator's clock moves on 61 s (so per-car rate-limit windows of earlier
phases are empty) and its billing ledger is cleared; the ledger after ``gen N`` gives the billed
calls per car. Inside the ``gen`` phases the worker's steps (claim, charging history, modules,
PDF, storage, completion; ``STEPS``) are timed by pass-through wrappers that only record
durations.

After the runs: every car's report is rendered again alone (``shared.reports.pdf.render_pdf``),
each right after WeasyPrint renders a one-page plain document; then every report again as each
package (the Expert report cut down to what Basic and Pro buy) for pages, bytes and render time
per page; and peak memory is read as
VmHWM (peak RSS) of fresh subprocesses: one building one car's report, one only rendering the
plain page. Peak RSS rather than tracemalloc, because a Cloud Function's memory limit counts
the whole process (interpreter, libraries, WeasyPrint's C libraries: Pango, HarfBuzz,
FreeType), while tracemalloc sees Python allocations only; VmHWM rather than ``ru_maxrss``,
because Linux carries ``ru_maxrss`` across fork and exec, so a child of this large process
would report the parent's peak.

    .venv/bin/python -m bench.report_generation                  # 10 cars, 0.3 s, 3 runs
    .venv/bin/python -m bench.report_generation --cars 5 --latency 0.1 --runs 5
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import logging
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from dev.serving import serve_in_thread
from simulators.admin_client import AdminClient

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "cpt-bench"
BUCKET = "cpt-bench-reports"
ACCOUNT = "fleet"
PACKAGE = "expert"
VOUCHER = "PILOT2026"  # 100 %: the order is paid at once, with no payment provider
ROADMAP_CALLS_PER_CAR = 8  # "Tesla API calls per vehicle: Basic 1 / Pro 7 / Expert 8"
TARGET_RATIO = 1.5
CLOCK_STEP_S = 61  # past the simulator's 60 s per-car rate-limit window
PLAIN_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><title>plain</title></head><body>"
    "<h1>Plain page</h1><p>One paragraph of plain text, one page, no images, no charts.</p>"
    "</body></html>"
)


# ── The Tesla simulator, in this process ─────────────────────────────────────────────────────


class Simulator(AdminClient):
    """The Fleet API simulator on a free port, and the admin calls the bench needs."""

    def __init__(self) -> None:
        from simulators.tesla_fleet import SimulatorConfig, create_app

        self.config = SimulatorConfig()
        self._serving = ExitStack()
        self.url = self._serving.enter_context(
            serve_in_thread(create_app(self.config), "tesla-sim")
        )
        self.http = requests.Session()

    def vins(self, account: str) -> list[str]:
        accounts = {a["name"]: a for a in self.admin("accounts")["accounts"]}
        return [car["vin"] for car in accounts[account]["vehicles"]]

    def fresh_phase(self) -> None:
        """Empty rate-limit windows (simulated time moves on) and an empty billing ledger."""
        self.admin("clock", {"advance_seconds": CLOCK_STEP_S})
        self.admin("ledger/reset", {})

    @contextlib.contextmanager
    def latency(self, seconds: float) -> Iterator[None]:
        rule = self.admin("faults", {"kind": "latency", "seconds": seconds}) if seconds else None
        try:
            yield
        finally:
            if rule is not None:
                self.admin(f"faults/{rule['id']}", method="DELETE")

    def stop(self) -> None:
        self.http.close()
        self._serving.close()


# ── Orders, made through the library ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Order:
    session_id: str
    session_key: str
    order_id: str
    cars: tuple[tuple[int, str], ...]  # (vehicle id, VIN), in selection order
    access_token: str
    region: str


def paid_order(sim: Simulator, car_count: int) -> Order:
    """Connect the fleet account headlessly, select ``car_count`` cars (Expert), pay with the
    100 % voucher: the order ends ``generating`` with its tasks queued (to nobody)."""
    from shared.connect import flow as connect
    from shared.orders import selection, sessions
    from shared.payments import checkout
    from shared.platform.settings import get_settings
    from shared.pricing import quoting

    settings = get_settings()
    auth_url = connect.start(settings, brand="tesla", reconnect_session_id=None, now=_now())
    consent = sim.http.get(
        auth_url, params={"login_hint": ACCOUNT}, allow_redirects=False, timeout=30
    )
    if consent.status_code != 302:
        raise RuntimeError(f"headless consent answered {consent.status_code}: {consent.text}")
    callback = {k: v[0] for k, v in parse_qs(urlsplit(consent.headers["Location"]).query).items()}
    outcome = connect.finish(
        settings,
        code=callback.get("code"),
        state=callback.get("state"),
        error=callback.get("error"),
        now=_now(),
    )
    if outcome.session_id is None:
        raise RuntimeError(f"connect failed: {outcome.reason}")
    session = sessions.load_session(settings, outcome.session_id)
    chosen = [vehicle.id for vehicle in session.vehicles[:car_count]]
    if len(chosen) < car_count:
        raise SystemExit(f"the {ACCOUNT} account has only {len(chosen)} cars")
    selection.select(settings, outcome.session_id, vehicle_ids=chosen, package=PACKAGE)
    quote = quoting.quote_session(
        settings, outcome.session_id, voucher_code=VOUCHER, client_ip="127.0.0.1"
    )
    if quote.total_cents != 0:
        raise RuntimeError(f"voucher {VOUCHER} did not make the order free: {quote}")
    paid = checkout.create_payment(
        settings, outcome.session_id, method="stripe", language=None, client_ip="127.0.0.1"
    )
    if paid.status != "paid":
        raise RuntimeError(f"the zero-total order was not paid: {paid}")
    session = sessions.load_session(settings, outcome.session_id)
    if session.status.value != "generating":
        raise RuntimeError(f"order is {session.status.value}, not generating")
    access, _ = sessions.open_tokens(session)
    by_id = {vehicle.id: vehicle.vin for vehicle in session.selected_vehicles}
    return Order(
        session_id=outcome.session_id,
        session_key=session.session_key,
        order_id=session.order_id,
        cars=tuple((vid, by_id[vid]) for vid in session.selected_vehicle_ids),
        access_token=access,
        region=session.region,
    )


def _now() -> datetime:
    return datetime.now(UTC)


# ── Timing wrappers around the worker's steps (pass-through) ─────────────────────────────────


# Worker steps timed inside ``gen`` phases: (module, attribute the worker looks up at call time).
STEPS = {
    "claim": ("shared.delivery.report_store", "claim_car"),
    "history": ("shared.delivery.worker", "_order_charging_history"),  # fetch it, or wait for it
    "history_fetch": ("shared.tesla.fetch", "fetch_charging_history"),  # the fetch itself
    "history_save": ("shared.delivery.report_store", "save_charging_history"),
    "modules": ("shared.tesla.fetch", "fetch_vehicle_modules"),
    "render": ("shared.reports.pdf", "render_pdf"),
    "save": ("shared.delivery.report_store", "save_report"),
    "finish": ("shared.delivery.generation", "finish_if_done"),
}


class StepTimes:
    """Seconds per call of each worker step (``car`` = the whole build_car_report)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, list[float]] = {name: [] for name in (*STEPS, "car")}
        self.hwm_kib: list[int] = []  # VmHWM of each worker process after its car
        self.failures: list[str] = []  # failed deliveries, delivered again

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name].append(seconds)

    def merge(self, other: dict[str, list[float]]) -> None:
        with self._lock:
            for name, values in other.items():
                self.seconds[name].extend(values)


@contextlib.contextmanager
def recording(times: StepTimes) -> Iterator[StepTimes]:
    """Wrap the worker's steps with pass-through timers while a phase runs."""
    import importlib

    saved = []
    for name, (module_name, attribute) in STEPS.items():
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        saved.append((module, attribute, original))
        setattr(module, attribute, _timed(original, times, name))
    try:
        yield times
    finally:
        for module, attribute, original in saved:
            setattr(module, attribute, original)


def _timed(function: Callable[..., Any], times: StepTimes, bucket: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            times.add(bucket, time.perf_counter() - started)

    return wrapper


# ── The phases ───────────────────────────────────────────────────────────────────────────────


def generate(order: Order, times: StepTimes, processes: ProcessPoolExecutor | None) -> float:
    """Every car of the order through the real worker, all at once; wall seconds.

    ``processes`` None: one thread per car in this process. Otherwise one warm worker process
    per car, as Cloud Tasks reaches separate instances (worker concurrency 1).
    """
    from shared.delivery import report_store
    from shared.platform.settings import get_settings

    vehicle_ids = [vid for vid, _ in order.cars]
    started = time.perf_counter()
    if processes is None:
        with (
            recording(times),
            ThreadPoolExecutor(len(vehicle_ids), thread_name_prefix="worker") as pool,
        ):
            answers = list(pool.map(lambda vid: build_one(order.session_key, vid), vehicle_ids))
    else:
        futures = [processes.submit(build_one, order.session_key, vid) for vid in vehicle_ids]
        answers = [future.result() for future in futures]
    elapsed = time.perf_counter() - started
    outcomes = [answer.outcome for answer in answers]
    for answer in answers:
        times.merge(answer.seconds)
        times.hwm_kib.append(answer.hwm_kib)
        times.failures.extend(answer.failures)
    if set(outcomes) != {"complete"}:
        cars = report_store.car_documents(get_settings(), order.session_key)
        raise RuntimeError(f"worker outcomes {outcomes}; cars {cars}")
    return elapsed


@dataclass(frozen=True)
class Answer:
    outcome: str
    seconds: dict[str, list[float]]
    hwm_kib: int
    failures: list[str]  # deliveries that raised (Cloud Tasks would deliver again)


def build_one(session_key: str, vehicle_id: int) -> Answer:
    """One car's task, delivered again after a failure as Cloud Tasks would (at most 5 times).

    Returns the outcome, the step timings (from a worker process), VmHWM in KiB and the
    failed deliveries. A failed delivery's time counts: the order waits for it too.
    """
    from shared.delivery.worker import build_car_report
    from shared.platform.settings import get_settings

    failures: list[str] = []
    started = time.perf_counter()
    for delivery in range(MAX_DELIVERIES):
        try:
            outcome = build_car_report(get_settings(), session_key, vehicle_id)
            break
        except Exception as error:  # what the worker's HTTP handler would answer 5xx for
            failures.append(f"{type(error).__name__}: {str(error)[:80]}")
            if delivery == MAX_DELIVERIES - 1:
                raise
            time.sleep(0.1)  # Cloud Tasks' smallest retry backoff
    seconds = {"car": [time.perf_counter() - started]}
    if _PROCESS_TIMES is not None:  # a worker process: hand its step timings back
        seconds.update(_PROCESS_TIMES.seconds)
        _PROCESS_TIMES.seconds = {name: [] for name in _PROCESS_TIMES.seconds}
    return Answer(outcome, seconds, vm_hwm_kib(), failures)


MAX_DELIVERIES = 5
_PROCESS_TIMES: StepTimes | None = None  # set in worker processes only
_PROCESS_RECORDING = contextlib.ExitStack()  # holds the timers open in a worker process


def _process_init() -> None:
    """A warm worker instance: imports done, fonts loaded, clients made, steps timed."""
    global _PROCESS_TIMES
    _quiet_logs()
    from weasyprint import HTML

    from shared.delivery import worker as report_worker  # noqa: F401
    from shared.platform.clients import firestore_client, storage_client
    from shared.reports import normalise, pdf  # noqa: F401

    HTML(string=PLAIN_HTML).write_pdf()
    firestore_client()
    storage_client()
    _PROCESS_TIMES = StepTimes()
    _PROCESS_RECORDING.enter_context(recording(_PROCESS_TIMES))  # for the life of the process


def _process_ready(seconds: float) -> int:
    time.sleep(seconds)  # keeps this process busy so that every worker process gets one
    return os.getpid()


def start_processes(count: int) -> ProcessPoolExecutor:
    import multiprocessing

    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_process_init,
    )
    pids = {f.result() for f in [pool.submit(_process_ready, 2.0) for _ in range(count)]}
    if len(pids) != count:
        print(f"warning: {len(pids)} of {count} worker processes warmed", file=sys.stderr)
    return pool


def vm_hwm_kib() -> int:
    """Peak RSS of this process image (VmHWM). Not ru_maxrss: Linux keeps a forked parent's
    ru_maxrss across exec, so a child of a big process reports the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def fetch_only(order: Order) -> float:
    """The library's fetch as the worker runs it (each car's own modules while the order's one
    charging-history fetch runs), without Firestore, PDF or storage."""
    from shared.platform.settings import get_settings
    from shared.product.catalog import package_modules
    from shared.tesla.fetch import FetchPolicy, fetch_charging_history, fetch_vehicle_modules
    from shared.tesla.fleet import FleetClient
    from shared.tesla.partner import partner_client

    settings = get_settings()
    policy = FetchPolicy(wake_timeout_s=settings.tesla_wake_timeout_s)
    modules = [str(module) for module in package_modules(PACKAGE)]
    http = requests.Session()  # one per instance in the worker too (tesla_http)

    def client() -> FleetClient:
        return FleetClient(settings, http, access_token=order.access_token, region=order.region)

    def partner(region: str, renew: bool) -> FleetClient:
        # Specs take our partner token (cached per instance), as in the worker.
        return partner_client(settings, http, region, renew=renew)

    own_modules = [module for module in modules if module != "charging_history"]
    started = time.perf_counter()

    def car(vehicle_id: int, vin: str) -> None:
        # As the worker does: the car's own modules while the order's history is fetched.
        results = fetch_vehicle_modules(
            client(),
            vin=vin,
            vehicle_id=vehicle_id,
            modules=own_modules,
            charging_sessions=None,
            policy=policy,
            partner=partner,
        )
        failed = {name: r.reason for name, r in results.items() if r.outcome != "ok"}
        if failed:
            raise RuntimeError(f"fetch of {vin[-4:]} failed: {failed}")

    with ThreadPoolExecutor(max_workers=len(order.cars) + 1, thread_name_prefix="fetch") as pool:
        history = pool.submit(
            fetch_charging_history, client(), vins=[vin for _, vin in order.cars], policy=policy
        )
        list(pool.map(lambda pair: car(*pair), order.cars))
        if not isinstance(history.result(), dict):
            raise RuntimeError(f"charging history failed: {history.result()}")
    elapsed = time.perf_counter() - started
    http.close()
    return elapsed


def sequential(order: Order) -> float:
    """The baseline: the same Tesla calls, one at a time, through one FleetClient."""
    from shared.platform.settings import get_settings
    from shared.product.catalog import package_modules
    from shared.tesla import fetch
    from shared.tesla.fleet import FleetClient
    from shared.tesla.partner import partner_client

    settings = get_settings()
    http = requests.Session()
    client = FleetClient(settings, http, access_token=order.access_token, region=order.region)
    partner = partner_client(settings, http, order.region)  # specs take only our partner token
    modules = [str(m) for m in package_modules(PACKAGE) if str(m) in fetch.MODULE_ENDPOINTS]
    vins = [vin for _, vin in order.cars]

    started = time.perf_counter()
    params: dict[str, Any] = {
        "pageSize": fetch.CHARGING_HISTORY_PAGE_SIZE,
        "sortBy": "chargeStartDateTime",
        "sortOrder": "DESC",
        **({"vin": vins[0]} if len(vins) == 1 else {}),
    }
    received, page_no = 0, fetch.CHARGING_HISTORY_FIRST_PAGE
    while True:  # the order's charging history, page after page
        body = client.get(fetch.CHARGING_HISTORY_PATH, params={**params, "pageNo": page_no})
        rows = body.get("data") or []
        received += len(rows)
        if not rows or received >= int(body.get("totalResults") or 0):
            break
        page_no += 1
    for vin in vins:  # car after car: the free state check, then each module, one at a time
        client.get(f"/api/1/vehicles/{vin}")
        for module in modules:
            spec = fetch.MODULE_ENDPOINTS[module]
            caller = partner if spec.partner_token else client
            caller.get(spec.path(vin), params=spec.params(vin) if spec.params else None)
    elapsed = time.perf_counter() - started
    http.close()
    return elapsed


@dataclass(frozen=True)
class Billing:
    paid_per_car: float  # billed calls that cost money, on the car's VIN
    order_level: int  # billed calls that cost money without a VIN (charging-history pages)
    free: int  # billed at $0 (the "is it awake?" checks)
    cost_usd: str
    statuses: dict[str, int]

    @property
    def per_car_with_share(self) -> float:
        return self.paid_per_car + self.order_level / self.cars

    cars: int = 1


def billing(sim: Simulator, order: Order) -> Billing:
    ledger = sim.admin("ledger")
    paid = [e for e in ledger["entries"] if e["billed"] and e["cost_micro_usd"] > 0]
    ours = {vin for _, vin in order.cars}
    on_cars = [e for e in paid if e.get("vin") in ours]
    on_order = [e for e in paid if not e.get("vin")]
    free = [e for e in ledger["entries"] if e["billed"] and e["cost_micro_usd"] == 0]
    return Billing(
        paid_per_car=len(on_cars) / len(order.cars),
        order_level=len(on_order),
        free=len(free),
        cost_usd=ledger["total_cost_usd"],
        statuses=ledger["by_status"],
        cars=len(order.cars),
    )


# ── PDF: a real report alone vs a plain one-page document ────────────────────────────────────


# Report fields filled by each module the Expert package buys beyond vehicle_data.
MODULE_FIELDS = {
    "charging_history": "charging_history",
    "recent_alerts": "recent_alerts",
    "service_data": "service",
    "warranty": "warranty",
    "release_notes": "release_notes",
    "options": "options",
    "vehicle_specs": "specs",
}


@dataclass
class PackagePdfs:
    """Rendered PDFs of one package: pages, bytes and seconds, one entry per report."""

    pages: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def as_package(report: Any, package: str) -> Any:
    """The Expert report cut down to what ``package`` buys: other modules become missing."""
    from shared.product.catalog import PACKAGE_MODULES, Package
    from shared.reports.model import ModuleOutcome, ModuleStatus

    bought = PACKAGE_MODULES[Package(package)]
    modules = [
        status
        if status.module in bought
        else ModuleStatus(module=status.module, outcome=ModuleOutcome.MISSING)
        for status in report.modules
    ]
    cleared = {name: None for module, name in MODULE_FIELDS.items() if module not in set(bought)}
    return report.model_copy(update={"package": Package(package), "modules": modules, **cleared})


def package_pdfs(subjects: list[tuple[Any, Any, str]]) -> dict[str, PackagePdfs]:
    """Every stored report rendered as each package: pages, bytes and render time."""
    from pypdf import PdfReader

    from shared.reports.pdf import render_pdf

    results: dict[str, PackagePdfs] = {}
    for package in ("basic", "pro", "expert"):
        measured = results.setdefault(package, PackagePdfs())
        for vehicle_report, summary, language in subjects:
            report = as_package(vehicle_report, package)
            order = summary.model_copy(update={"package": report.package})
            started = time.perf_counter()
            data = render_pdf(report, order=order, language=language)
            measured.seconds.append(time.perf_counter() - started)
            measured.pages.append(len(PdfReader(io.BytesIO(data)).pages))
            measured.sizes.append(len(data))
    return results


def pdf_comparison(
    orders: list[Order], rounds: int
) -> tuple[list[float], list[float], int, dict[str, PackagePdfs]]:
    """Seconds per render: each stored report alone, interleaved with the plain page; then
    every report rendered as each package (pages, bytes, time per page)."""
    from pypdf import PdfReader
    from weasyprint import HTML

    from shared.delivery import report_store
    from shared.orders import sessions
    from shared.platform.settings import get_settings
    from shared.reports.model import VehicleReport
    from shared.reports.pdf import OrderSummary, render_pdf

    settings = get_settings()
    subjects = []
    for order in orders:
        session = sessions.load_session_by_key(settings, order.session_key, allow_expired=True)
        summary = OrderSummary(
            order_id=order.order_id,
            package=PACKAGE,
            ordered_at=session.paid_at or session.created_at,
            vehicle_count=len(order.cars),
        )
        for vehicle_id, _ in order.cars:
            json_path, _ = report_store.report_paths(order.order_id, vehicle_id)
            stored = report_store.load_report_json(settings, json_path)
            assert stored is not None, json_path
            subjects.append((VehicleReport.model_validate(stored), summary, session.language))

    HTML(string=PLAIN_HTML).write_pdf()  # warm both paths once (fonts, imports)
    render_pdf(subjects[0][0], order=subjects[0][1], language=subjects[0][2])
    plain, report, pages = [], [], 0
    for _ in range(rounds):
        for vehicle_report, summary, language in subjects:
            started = time.perf_counter()
            HTML(string=PLAIN_HTML).write_pdf()
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            data = render_pdf(vehicle_report, order=summary, language=language)
            report.append(time.perf_counter() - started)
            pages = max(pages, len(PdfReader(io.BytesIO(data)).pages))
    return report, plain, pages, package_pdfs(subjects)


# ── Peak memory: fresh subprocesses ──────────────────────────────────────────────────────────


def child_main(mode: str, session_key: str, vehicle_id: int) -> int:
    """Run in a fresh interpreter; prints VmHWM (KiB) as JSON on the last line."""
    _quiet_logs()
    start_kib = vm_hwm_kib()
    started = time.perf_counter()
    if mode == "plain":
        from weasyprint import HTML

        HTML(string=PLAIN_HTML).write_pdf()
        outcome = "plain page rendered"
    else:
        from shared.delivery.worker import build_car_report
        from shared.platform.settings import get_settings

        outcome = build_car_report(get_settings(), session_key, vehicle_id)
    peak_kib = vm_hwm_kib()
    elapsed = time.perf_counter() - started
    print(json.dumps({"start_kib": start_kib, "peak_kib": peak_kib, "outcome": outcome,
                      "seconds": elapsed}))  # fmt: skip
    return 0


def child_peak(mode: str, session_key: str = "-", vehicle_id: int = 0) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.report_generation", "--child", mode,
               session_key, str(vehicle_id)]  # fmt: skip
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ── Setup ────────────────────────────────────────────────────────────────────────────────────


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # released at once: nothing listens there


def configure(env: dict[str, str], sim: Simulator) -> None:
    """The functions' environment, as tests/conftest.py ``app_env`` sets it."""
    from shared.platform.clients import reset_clients
    from shared.platform.settings import get_settings

    os.environ.update(env)
    os.environ.update(
        {
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "CPT_ENVIRONMENT": "local",
            "CPT_PROJECT_ID": PROJECT,
            "CPT_REPORTS_BUCKET": BUCKET,
            "CPT_TESLA_AUTH_URL": f"{sim.url}/oauth2/v3",
            "CPT_TESLA_FLEET_URL_TEMPLATE": f"{sim.url}/{{region}}",
            # Cloud Tasks delivers to a port nobody listens on: the bench is the worker.
            "CPT_WORKER_URL": f"http://127.0.0.1:{closed_port()}/api/v1/internal/reports/worker",
        }
    )
    get_settings.cache_clear()
    reset_clients()


def prepare_cars(sim: Simulator) -> None:
    sim.admin("settings", {"wake_delay_seconds": 0})
    for vin in sim.vins(ACCOUNT):
        sim.admin(f"vehicles/{vin}", {"state": "online", "wake_delay_seconds": 0})


class PoolWarnings(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


# ── Main ─────────────────────────────────────────────────────────────────────────────────────


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per simulator request
    # "Using fontTools instead of HarfBuzz-Subset": said once per font and render; noted below.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cars", type=int, default=10, help="cars in the fleet order (1-12)")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per Tesla call")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs (medians)")
    parser.add_argument("--pdf-rounds", type=int, default=1, help="solo renders of each report")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SESSION_KEY", "VEHICLE_ID"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.child:
        return child_main(args.child[0], args.child[1], int(args.child[2]))
    if not 1 <= args.cars <= 12:
        parser.error("--cars must be 1-12 (the fleet account has 12 cars)")
    if args.runs < 1 or args.latency < 0:
        parser.error("--runs must be at least 1 and --latency not negative")

    _quiet_logs()
    pool_warnings = PoolWarnings()
    pool_logger = logging.getLogger("urllib3.connectionpool")
    pool_logger.addHandler(pool_warnings)
    pool_logger.propagate = False  # counted and reported once at the end, not printed each time

    from dev.localcloud import (
        CLOUD_REPORTS_QUEUE,
        ensure_bucket,
        start_firestore,
        start_gcs,
        start_tasks,
    )

    # The bench runs the worker itself; a task the emulator dispatches (to nobody) is not retried.
    one_attempt = dataclasses.replace(CLOUD_REPORTS_QUEUE, max_attempts=1)

    began = time.perf_counter()
    services = []
    sim = Simulator()
    processes: ProcessPoolExecutor | None = None
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            starting = [
                pool.submit(start_firestore, project=PROJECT),
                pool.submit(start_gcs),
                pool.submit(start_tasks, project=PROJECT, queue_config=one_attempt),
            ]
            for future in starting:
                with contextlib.suppress(Exception):
                    services.append(future.result())
            for future in starting:
                future.result()  # re-raise the first failure, after collecting the rest
        env: dict[str, str] = {}
        for service in services:
            env.update(service.env)
        configure(env, sim)
        ensure_bucket(BUCKET, env["STORAGE_EMULATOR_HOST"])
        prepare_cars(sim)
        processes = start_processes(args.cars)  # after configure: they inherit the environment
        _log(f"setup {time.perf_counter() - began:.1f} s; {args.runs} runs of {args.cars} cars, "
             f"{args.latency * 1000:.0f} ms per Tesla call")  # fmt: skip
        measure(args, sim, processes, pool_warnings)
    finally:
        if processes is not None:
            processes.shutdown(wait=True, cancel_futures=True)
        sim.stop()
        for service in services:
            service.stop()
    _log(f"total {time.perf_counter() - began:.0f} s")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Results:
    wall: dict[str, list[float]] = field(default_factory=dict)
    steps: dict[str, StepTimes] = field(default_factory=dict)
    bills: list[Billing] = field(default_factory=list)
    report_pdf: list[float] = field(default_factory=list)
    packages: dict[str, PackagePdfs] = field(default_factory=dict)
    plain_pdf: list[float] = field(default_factory=list)
    pages: int = 0
    worker_mem: dict[str, Any] = field(default_factory=dict)
    plain_mem: dict[str, Any] = field(default_factory=dict)
    pool_full: int = 0


PHASES = ("gen1", "genN", "gen1p", "genNp", "fetch1", "fetchN", "seqN")


def measure(
    args: argparse.Namespace,
    sim: Simulator,
    processes: ProcessPoolExecutor,
    pool_warnings: PoolWarnings,
) -> None:
    results = Results(
        wall={name: [] for name in PHASES},
        steps={name: StepTimes() for name in PHASES if name.startswith("gen")},
    )
    last_many: Order | None = None
    for run in range(args.runs):
        orders = {name: paid_order(sim, 1 if "1" in name else args.cars)
                  for name in ("gen1", "genN", "gen1p", "genNp")}  # fmt: skip
        last_many = orders["genN"]
        phases: dict[str, Callable[[], float]] = {
            "gen1": lambda o=orders["gen1"]: generate(o, results.steps["gen1"], None),
            "genN": lambda o=orders["genN"]: generate(o, results.steps["genN"], None),
            "gen1p": lambda o=orders["gen1p"]: generate(o, results.steps["gen1p"], processes),
            "genNp": lambda o=orders["genNp"]: generate(o, results.steps["genNp"], processes),
            "fetch1": lambda o=orders["gen1"]: fetch_only(o),
            "fetchN": lambda o=orders["genN"]: fetch_only(o),
            "seqN": lambda o=orders["genN"]: sequential(o),
        }
        order = list(PHASES)
        if run % 2:  # alternate 1-car and N-car phases between runs: neither always goes first
            order = ["genN", "gen1", "genNp", "gen1p", "fetchN", "fetch1", "seqN"]
        for name in order:
            sim.fresh_phase()
            with sim.latency(args.latency):
                results.wall[name].append(phases[name]())
            if name == "genN":
                results.bills.append(billing(sim, orders["genN"]))
        _log(f"run {run + 1}: " + ", ".join(f"{k} {results.wall[k][-1]:.2f} s" for k in PHASES))

    assert last_many is not None
    results.report_pdf, results.plain_pdf, results.pages, results.packages = pdf_comparison(
        [last_many], args.pdf_rounds
    )
    memory_order = paid_order(sim, 1)
    sim.fresh_phase()
    with sim.latency(args.latency):
        results.worker_mem = child_peak("worker", memory_order.session_key, memory_order.cars[0][0])
    results.plain_mem = child_peak("plain")
    results.pool_full = pool_warnings.count
    print_table(args, results)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def package_lines(packages: dict[str, PackagePdfs]) -> list[str]:
    lines = ["", "PDF per package (every report of the order rendered as each package)"]
    lines.append(f"{'':<28}{'pages':>10}{'KiB':>10}{'ms/PDF':>10}{'ms/page':>10}")
    for package, measured in packages.items():
        pages = statistics.mean(measured.pages)
        seconds = sum(measured.seconds)
        lines.append(
            f"  {package:<26}{pages:>10.1f}{statistics.mean(measured.sizes) / 1024:>10.1f}"
            f"{_median(measured.seconds) * 1000:>10.0f}"
            f"{seconds / sum(measured.pages) * 1000:>10.0f}"
        )
    return lines


def print_table(args: argparse.Namespace, r: Results) -> None:
    n = args.cars
    med = {name: _median(values) for name, values in r.wall.items()}

    def row(label: str, value: str, extra: str = "") -> str:
        return f"{label:<58}{value:>10}{extra:>18}"

    def wall(label: str, name: str) -> str:
        values = r.wall[name]
        return row(label, f"{med[name]:.2f}", f"{min(values):.2f}-{max(values):.2f}")

    def ratio(label: str, top: str, bottom: str, target: float | None = None) -> str:
        value = med[top] / med[bottom]
        verdict = ""
        if target is not None:
            verdict = f"<= {target} " + ("met" if value <= target else "NOT met")
        return row(label, f"{value:.2f}", verdict)

    def step(phase: str, name: str) -> str:
        values = r.steps[phase].seconds[name]
        return f"{_median(values):.2f} [{max(values):.2f}]" if values else "-"

    lines = [
        f"Report generation, {PACKAGE} package: Tesla simulator with {args.latency * 1000:.0f} ms "
        f"per call, {os.cpu_count()} CPUs, medians of {args.runs} interleaved runs",
        "",
        row("wall time", "median s", "min-max s"),
        wall("gen 1: 1-car order, worker end to end (thread)", "gen1"),
        wall(f"gen {n}: {n}-car order, {n} threads in one process", "genN"),
        wall("gen 1p: 1-car order, one warm worker process", "gen1p"),
        wall(f"gen {n}p: {n}-car order, {n} warm worker processes", "genNp"),
        wall("fetch 1: 1-car order, Tesla fetch only", "fetch1"),
        wall(f"fetch {n}: {n}-car order, Tesla fetch only", "fetchN"),
        wall(f"seq {n}: the same calls one at a time, no threads", "seqN"),
        "",
        row("ratio", "value", "target"),
        ratio(f"gen {n} / gen 1 (PDF inside; threads)", "genN", "gen1", TARGET_RATIO),
        ratio(f"gen {n}p / gen 1p (PDF inside; processes)", "genNp", "gen1p", TARGET_RATIO),
        ratio(f"fetch {n} / fetch 1 (fetch only)", "fetchN", "fetch1", TARGET_RATIO),
        ratio(f"gen {n} / seq {n}", "genN", "seqN"),
        ratio(f"gen {n}p / seq {n}", "genNp", "seqN"),
        ratio(f"fetch {n} / seq {n}", "fetchN", "seqN"),
        "",
        "worker steps, seconds per car: median [slowest]",
        f"{'':<28}{'gen 1':>14}{f'gen {n}':>14}{'gen 1p':>14}{f'gen {n}p':>14}",
    ]
    labels = {
        "car": "build_car_report",
        "claim": "claim the car",
        "history": "history: get or wait",
        "history_fetch": "  of which the fetch",
        "history_save": "  and the GCS upload",
        "modules": "own modules",
        "render": "render_pdf",
        "save": "save JSON + PDF",
        "finish": "finish_if_done",
    }
    for name, label in labels.items():
        cells = "".join(f"{step(p, name):>14}" for p in ("gen1", "genN", "gen1p", "genNp"))
        lines.append(f"{label:<28}{cells}")

    lines.append("")
    for phase in ("gen1", "genN", "gen1p", "genNp"):
        failures = r.steps[phase].failures
        kinds = sorted(set(failures))
        label = phase.replace("N", str(n))
        lines.append(
            f"failed deliveries in {label} (delivered again, time counted): {len(failures)}"
            + (f" - {'; '.join(kinds)}" if kinds else "")
        )

    paid_per_car = _median([b.paid_per_car for b in r.bills])
    with_share = _median([b.per_car_with_share for b in r.bills])
    bill = r.bills[-1]
    lines += [
        "",
        f"billed Tesla calls in gen {n} (simulator ledger; $0 state checks not counted)",
        row("  paid calls per car, on its VIN", f"{paid_per_car:.2f}"),
        row("  order-level calls (charging-history pages)", f"{bill.order_level}"),
        row(
            "  per car, incl. its share of the order-level calls",
            f"{with_share:.2f}",
            f"roadmap {ROADMAP_CALLS_PER_CAR}",
        ),
        row("  ratio to the roadmap count", f"{with_share / ROADMAP_CALLS_PER_CAR:.2f}"),
        row("  state checks billed at $0", f"{bill.free}"),
        f"  cost ${bill.cost_usd} for {n} cars; statuses {dict(sorted(bill.statuses.items()))}",
    ]
    report_s, plain_s = _median(r.report_pdf), _median(r.plain_pdf)
    lines += [
        "",
        f"PDF render per car ({len(r.report_pdf)} renders alone, each after a plain page)",
        row("  render_pdf of an Expert report", f"{report_s * 1000:.0f} ms", f"{r.pages} pages"),
        row("  weasyprint, one-page plain document", f"{plain_s * 1000:.0f} ms"),
        row("  ratio report / plain page", f"{report_s / plain_s:.1f}"),
    ]
    for phase, how in (("genN", f"{n} threads"), ("genNp", f"{n} processes")):
        in_run = _median(r.steps[phase].seconds["render"])
        lines.append(
            row(f"  ratio render inside gen {n} ({how}) / alone", f"{in_run / report_s:.1f}")
        )
    lines += package_lines(r.packages)
    worker_mib = r.worker_mem["peak_kib"] / 1024
    plain_mib = r.plain_mem["peak_kib"] / 1024
    warm = [kib / 1024 for kib in r.steps["genNp"].hwm_kib]
    lines += [
        "",
        "peak memory: VmHWM (peak RSS) of a process",
        row("  fresh process building one car (build_car_report)", f"{worker_mib:.0f} MiB"),
        row("  fresh process, weasyprint rendering the plain page", f"{plain_mib:.0f} MiB"),
        row("  fresh interpreter before any import", f"{r.worker_mem['start_kib'] / 1024:.0f} MiB"),
        row("  warm worker processes after gen runs (max)", f"{max(warm):.0f} MiB"),
        row("  ratio worker / plain page", f"{worker_mib / plain_mib:.2f}"),
        row("  ratio worker / its memory limit (1 GiB)", f"{worker_mib / 1024:.2f}"),
    ]
    if r.pool_full:
        lines += ["", f"urllib3 'connection pool is full, discarding connection': {r.pool_full}"]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
