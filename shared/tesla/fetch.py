"""Fetch exactly a package's Tesla data for the cars of one order, with the fewest billed calls.

Per car (``fetch_vehicle_modules``):

1. A free ``GET /api/1/vehicles/{vin}`` says whether the car is online. It runs before anything
   else, alone, so a 421 moves the client to the account's region once instead of racing.
2. The modules run concurrently on a small thread pool. Only ``vehicle_data`` needs the car
   awake (the only endpoint Tesla documents with 408, reference §4.5); alerts, service data,
   release notes, warranty, options and specs are served from Tesla's cloud and are fetched
   while the car sleeps or wakes. Any module that still answers 408 goes through the same wake.
3. A car that is not online is woken once (``POST wake_up``, billed $0.02) and its state polled
   on the free endpoint with growing intervals until it is online or ``wake_timeout_s`` is over.
   There is never a second wake for a car: a car that stays asleep gives a partial report
   (``vehicle_data`` unavailable, with the reason) rather than a bill of repeated wakes.

Specs go out with our partner token (``shared.tesla.partner``), never the customer's: Tesla's
specs endpoint takes only a partner token (reference §4.12). Their failure fails that module only.

Per order (``fetch_charging_history``): Tesla's charging history is account-level, so it is
fetched once for all the order's cars, every page at the largest page size, and split by each
session's ``vin``; the caller hands each car its own list.

Errors (reference §5, §7.6): 421 → the client moves region (and we retry once if another thread
moved it first); 429 → wait ``Retry-After`` if it is at most ``max_retry_after_s``, else give up
("rate limited"); 5xx and network errors → exponential backoff with jitter, ``max_retries``
times (5xx are not billed); 408 → the wake path; 401 → ``TokenExpired`` for the caller, who owns
the token store and must persist the rotated refresh token before using a new access token;
other 4xx → the module failed with Tesla's reason. Retrying a 4xx would only cost money.

Thread safety: every worker shares one ``FleetClient`` and its ``requests.Session``. We only
send requests through it; urllib3's pool is thread-safe and the cookie jar takes a lock, and
``max_workers`` stays below requests' default pool size (10) so connections are reused, not
dropped. The client's one piece of mutable state is ``region`` (moved on 421); two threads
hitting 421 at once would leave the second with a 421 error, which is why we retry that once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol

from shared.cars.vehicles import mask_vin
from shared.product.catalog import TeslaModule
from shared.reports.normalise import ModuleResult
from shared.tesla.calls import CallLog, TeslaCall
from shared.tesla.errors import TeslaApiError, TeslaError, TeslaUnavailable
from shared.tesla.fleet import FleetClient

logger = logging.getLogger(__name__)

__all__ = [
    "CHARGING_HISTORY",
    "SYSTEM_CLOCK",
    "Clock",
    "FetchPolicy",
    "ModuleFailure",
    "PartnerClients",
    "SystemClock",
    "TokenExpired",
    "fetch_charging_history",
    "fetch_vehicle_modules",
]

CHARGING_HISTORY: Final = TeslaModule.CHARGING_HISTORY
# vehicle_data sections the report reads. location_data is left out on purpose: it needs the
# vehicle_location scope (403 without it) and puts a location-sharing icon on the car's screen.
VEHICLE_DATA_SECTIONS = (
    "charge_state",
    "climate_state",
    "drive_state",
    "gui_settings",
    "vehicle_config",
    "vehicle_state",
)
CHARGING_HISTORY_PATH = "/api/1/dx/charging/history"
CHARGING_HISTORY_FIRST_PAGE = 1  # pageNo is 1-based (pageNo=0 → 400 in the simulator; UNVERIFIED)
CHARGING_HISTORY_PAGE_SIZE = 100  # the largest page Tesla serves: fewest billed page calls
CHARGING_HISTORY_MAX_PAGES = 200  # 20,000 sessions: stops a pager that never ends
# A 429 without Retry-After: assume TeslaMate's 5 minutes, which a report worker won't wait.
DEFAULT_RETRY_AFTER_S = 300


# ── Policy and time ──────────────────────────────────────────────────────────────────────────


class Clock(Protocol):
    """Where time comes from; tests inject one that only pretends to sleep."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()


@dataclass(frozen=True)
class FetchPolicy:
    """How patient and how persistent a fetch is.

    ``poll_intervals`` are the waits between state checks after the wake; the last one repeats
    until ``wake_timeout_s`` (counted from the wake request) is over. The defaults check at about
    2, 5, 10, 15, 25, 35, 45, 55 and 60 s: cars usually wake in 10–30 s (Home Assistant waits
    30 s, TeslaPy 60 s), and the polls are free.
    """

    wake_timeout_s: float = 60.0
    poll_intervals: tuple[float, ...] = (2.0, 3.0, 5.0, 5.0, 10.0)
    max_retries: int = 3  # per call, for 5xx/network errors and, separately, for 429
    base_backoff_s: float = 0.5  # 5xx backoff: 0.5, 1, 2 s (× jitter 0.5–1), capped below
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0  # a longer Retry-After gives the module up as rate limited
    max_workers: int = 4  # concurrent calls per car; stays under requests' pool of 10

    def __post_init__(self) -> None:
        if self.wake_timeout_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("timeouts must not be negative")
        if not self.poll_intervals or any(interval <= 0 for interval in self.poll_intervals):
            raise ValueError("poll_intervals must be positive numbers")
        if self.max_retries < 0 or self.base_backoff_s < 0 or self.max_backoff_s < 0:
            raise ValueError("retry settings must not be negative")
        if self.max_workers < 1:
            raise ValueError("max_workers must be at least 1")


# ── Outcomes ─────────────────────────────────────────────────────────────────────────────────


class TokenExpired(TeslaError):
    """Tesla answered 401: refresh the token (persisting the rotated refresh token), then retry.

    Raised instead of refreshing here because the caller owns the token store.
    """

    def __init__(self, endpoint: str, error: str) -> None:
        super().__init__(f"Tesla rejected the access token on {endpoint}: {error}")
        self.endpoint = endpoint
        self.error = error


@dataclass(frozen=True)
class ModuleFailure:
    """Why an order-level module (the charging history) could not be fetched."""

    reason: str
    outcome: Literal["failed", "unavailable"] = "failed"

    def as_result(self) -> ModuleResult:
        if self.outcome == "unavailable":
            return ModuleResult.unavailable(self.reason)
        return ModuleResult.failed(self.reason)


class _CallGaveUp(Exception):
    """A call failed for good (after its retries); ``reason`` goes into the module result."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _CarAsleep(Exception):
    """Tesla answered 408: the call needs the car online."""


# A client acting with our partner token in a region; True asks for a new token, the cached one
# having been refused (shared.tesla.partner.partner_client).
PartnerClients = Callable[[str, bool], FleetClient]


# ── Endpoints of the per-car modules ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _ModuleEndpoint:
    endpoint: str  # logical name, as billing.py and the simulator's ledger know it
    path: Callable[[str], str]  # VIN → path; the VIN is the vehicle_tag Tesla recommends
    params: Callable[[str], dict[str, str]] | None = None
    needs_car_online: bool = False
    partner_token: bool = False  # called with our partner token, never the customer's


# Keyed by the catalogue's module names (shared/product/catalog.py); every module but the
# account-level charging history is one call per car.
MODULE_ENDPOINTS: Mapping[str, _ModuleEndpoint] = MappingProxyType(
    {
        TeslaModule.VEHICLE_DATA: _ModuleEndpoint(
            "vehicle_data",
            lambda vin: f"/api/1/vehicles/{vin}/vehicle_data",
            lambda _vin: {"endpoints": ";".join(VEHICLE_DATA_SECTIONS)},
            needs_car_online=True,
        ),
        TeslaModule.RECENT_ALERTS: _ModuleEndpoint(
            "recent_alerts", lambda vin: f"/api/1/vehicles/{vin}/recent_alerts"
        ),
        TeslaModule.SERVICE_DATA: _ModuleEndpoint(
            "service_data", lambda vin: f"/api/1/vehicles/{vin}/service_data"
        ),
        TeslaModule.RELEASE_NOTES: _ModuleEndpoint(
            "release_notes", lambda vin: f"/api/1/vehicles/{vin}/release_notes"
        ),
        # The dx endpoints take the VIN as a query parameter; warranty answers 500 without it.
        TeslaModule.WARRANTY: _ModuleEndpoint(
            "warranty_details", lambda _vin: "/api/1/dx/warranty/details", lambda vin: {"vin": vin}
        ),
        TeslaModule.OPTIONS: _ModuleEndpoint(
            "options", lambda _vin: "/api/1/dx/vehicles/options", lambda vin: {"vin": vin}
        ),
        # Specs take the VIN in the path, never the integer id, and a partner token
        # (client_credentials), not the user's (reference §4.12).
        TeslaModule.VEHICLE_SPECS: _ModuleEndpoint(
            "specs", lambda vin: f"/api/1/vehicles/{vin}/specs", partner_token=True
        ),
    }
)
KNOWN_MODULES = frozenset({*MODULE_ENDPOINTS, CHARGING_HISTORY})
if set(TeslaModule) != KNOWN_MODULES:  # fail at import, not in a paid order's worker
    raise RuntimeError("MODULE_ENDPOINTS does not cover every TeslaModule of the catalogue")


# ── One call, with Tesla's error semantics ───────────────────────────────────────────────────


@dataclass
class _RetryBudget:
    """What one call has used of its retries so far."""

    server_retries: int = 0  # after 5xx and network errors
    rate_limit_retries: int = 0  # after 429
    region_retried: bool = False  # after a 421 that another thread had already handled


class _Caller:
    """Makes calls for one car (or the account) and records each in the call log."""

    def __init__(
        self,
        client: FleetClient,
        policy: FetchPolicy,
        clock: Clock,
        log: CallLog,
        vin: str | None,
        partner: PartnerClients | None = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.clock = clock
        self.log = log
        self.vin = vin
        self.partner = partner

    def as_partner(self, *, renew: bool = False) -> _Caller:
        """The same car's caller with our partner token, in the region the client is in now.

        Raises ``_CallGaveUp`` when there is no partner client or Tesla refuses to issue one.
        """
        if self.partner is None:
            raise _CallGaveUp("needs a partner token, and none is configured")
        try:
            client = self.partner(self.client.region, renew)
        except TeslaError as error:
            raise _CallGaveUp(f"partner token not issued ({error})") from None
        return _Caller(client, self.policy, self.clock, self.log, self.vin)

    def call(
        self, endpoint: str, method: str, path: str, params: dict[str, Any] | None = None
    ) -> Any:
        statuses: list[int | None] = []
        try:
            return self._attempts(endpoint, method, path, params, statuses)
        finally:
            self.log.record(TeslaCall(endpoint, method, self.vin, tuple(statuses)))

    def _attempts(
        self,
        endpoint: str,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        statuses: list[int | None],
    ) -> Any:
        budget = _RetryBudget()
        while True:
            region_before = self.client.region
            try:
                body = (
                    self.client.post(path)
                    if method == "POST"
                    else self.client.get(path, params=params)
                )
            except TeslaApiError as error:
                self._after_api_error(error, endpoint, region_before, statuses, budget)
                continue
            except TeslaUnavailable as error:
                self._after_unavailable(error, statuses, budget)
                continue
            self._note_region_move(region_before, statuses)
            statuses.append(200)
            return body

    def _after_api_error(
        self,
        error: TeslaApiError,
        endpoint: str,
        region_before: str,
        statuses: list[int | None],
        budget: _RetryBudget,
    ) -> None:
        """Raise what Tesla's 4xx means for the caller; return when the call is to be retried."""
        if error.status != 421:
            self._note_region_move(region_before, statuses)
        statuses.append(error.status)
        if error.status == 401:
            raise TokenExpired(endpoint, error.error) from None
        if error.status == 408:
            raise _CarAsleep() from None
        moved_meanwhile = self.client.region != region_before
        if error.status == 421 and moved_meanwhile and not budget.region_retried:
            budget.region_retried = True  # another thread moved the client: retry there once
            return
        if error.status == 429:
            self._wait_out_rate_limit(error, budget)
            return
        raise _CallGaveUp(f"Tesla answered {error.status}: {error.error}") from None

    def _wait_out_rate_limit(self, error: TeslaApiError, budget: _RetryBudget) -> None:
        policy = self.policy
        wait_s = error.retry_after_s if error.retry_after_s is not None else DEFAULT_RETRY_AFTER_S
        if wait_s > policy.max_retry_after_s:
            raise _CallGaveUp(f"rate limited (Retry-After {wait_s} s)") from None
        if budget.rate_limit_retries >= policy.max_retries:
            raise _CallGaveUp(
                f"rate limited ({budget.rate_limit_retries + 1} answers of 429)"
            ) from None
        budget.rate_limit_retries += 1
        self.clock.sleep(float(wait_s))

    def _after_unavailable(
        self, error: TeslaUnavailable, statuses: list[int | None], budget: _RetryBudget
    ) -> None:
        """Back off before the next attempt, or give up once the retries are used."""
        statuses.append(_status_of(error))
        if budget.server_retries >= self.policy.max_retries:
            raise _CallGaveUp(
                f"Tesla unavailable after {budget.server_retries + 1} attempts ({error})"
            ) from None
        self.clock.sleep(self._backoff_s(budget.server_retries))
        budget.server_retries += 1

    def _note_region_move(self, region_before: str, statuses: list[int | None]) -> None:
        # The client answered a 421 itself by moving region and retrying: a billed attempt too.
        if self.client.region != region_before:
            statuses.append(421)

    def _backoff_s(self, retry_index: int) -> float:
        ceiling = min(self.policy.base_backoff_s * 2.0**retry_index, self.policy.max_backoff_s)
        # Jitter keeps the cars of a fleet order from retrying in lockstep.
        return ceiling * random.uniform(0.5, 1.0)


def _status_of(error: TeslaUnavailable) -> int | None:
    """The 5xx status Tesla answered; None for network errors (nothing answered)."""
    return error.status


# ── The car's state and the one wake ─────────────────────────────────────────────────────────


def _vehicle_state(body: Any) -> str | None:
    payload = body.get("response") if isinstance(body, dict) else None
    state = payload.get("state") if isinstance(payload, dict) else None
    return state if isinstance(state, str) else None


class _WakeGate:
    """Wakes one car at most once, however many modules find it asleep, and remembers how it went.

    The lock is held while waking, so modules that need the car online wait for the same wake.
    """

    def __init__(
        self, caller: _Caller, policy: FetchPolicy, clock: Clock, vin: str, state: str | None
    ) -> None:
        self._caller = caller
        self._policy = policy
        self._clock = clock
        self._vin = vin
        self._lock = threading.Lock()
        # An unknown state (the check failed) is treated as online: the call itself will say.
        self._online = state in (None, "online")
        self._last_state = state or "unknown"
        self._wake_sent = False
        self._abandoned = threading.Event()
        self.reason = ""

    def abandon(self) -> None:
        """Stop polling: the car's fetch is over (its token expired)."""
        self._abandoned.set()

    def car_online(self, *, answered_408: bool = False) -> bool:
        with self._lock:
            if answered_408:
                self._online = False
                self._last_state = "asleep"
            if self._online:
                return True
            if self._wake_sent:  # never a second wake: a sleeping car is billed once
                if not self.reason:
                    self.reason = "car fell asleep again after it was woken"
                return False
            self._wake_sent = True
            self._online = self._wake_and_wait()
            return self._online

    def _wake_and_wait(self) -> bool:
        started = self._clock.now()
        timeout = self._policy.wake_timeout_s
        try:
            state = _vehicle_state(
                self._caller.call("wake_up", "POST", f"/api/1/vehicles/{self._vin}/wake_up")
            )
        except (_CallGaveUp, _CarAsleep) as error:
            detail = error.reason if isinstance(error, _CallGaveUp) else "408"
            self.reason = f"car {self._last_state} and the wake-up request failed: {detail}"
            return False
        self._last_state = state or self._last_state
        for interval in _poll_schedule(self._policy.poll_intervals):
            if state == "online":
                return True
            remaining = started + timeout - self._clock.now()
            if remaining <= 0 or self._abandoned.is_set():
                break
            self._clock.sleep(min(interval, remaining))
            try:
                state = _vehicle_state(
                    self._caller.call("vehicle", "GET", f"/api/1/vehicles/{self._vin}")
                )
            except (_CallGaveUp, _CarAsleep):
                continue  # a failed poll is free to repeat until the deadline
            self._last_state = state or self._last_state
        self.reason = f"car stayed {self._last_state} for {timeout:g} s after one wake-up request"
        return False


def _poll_schedule(intervals: tuple[float, ...]) -> Iterator[float]:
    yield from intervals
    while True:  # the caller's deadline ends it
        yield intervals[-1]


# ── Per car ──────────────────────────────────────────────────────────────────────────────────


def fetch_vehicle_modules(
    client: FleetClient,
    *,
    vin: str,
    vehicle_id: int,
    modules: Sequence[str],
    charging_sessions: list[dict] | ModuleFailure | None,
    policy: FetchPolicy,
    clock: Clock = SYSTEM_CLOCK,
    calls: CallLog | None = None,
    partner: PartnerClients | None = None,
) -> dict[str, ModuleResult]:
    """Fetch one car's modules of its package; every module gets an outcome, in ``modules`` order.

    ``partner`` gives a client acting with our partner token in a region: the modules Tesla
    serves only to a partner token (specs) use it; without it they fail, saying so, and the
    customer's token is never sent there.

    ``charging_sessions`` is this car's share of the order's charging history
    (``fetch_charging_history``), its ``ModuleFailure`` when that fetch failed, or None when the
    package has no charging history. ``calls`` collects a record of every Tesla call made (the
    paths use the VIN; ``vehicle_id`` only labels the log line). Raises ``TokenExpired`` on a 401;
    the calls made so far are already in ``calls``.
    """
    unknown = [module for module in modules if module not in KNOWN_MODULES]
    if unknown:
        raise ValueError(f"unknown Tesla modules: {unknown}")
    vin = vin.upper()
    log = calls if calls is not None else CallLog()
    caller = _Caller(client, policy, clock, log, vin, partner)
    results: dict[str, ModuleResult] = {}
    if CHARGING_HISTORY in modules:
        results[CHARGING_HISTORY] = _charging_result(charging_sessions)

    remote = [module for module in dict.fromkeys(modules) if module in MODULE_ENDPOINTS]
    state = _initial_state(caller, vin) if _any_needs_online(remote) else None
    gate = _WakeGate(caller, policy, clock, vin, state)
    # Modules that may wait for a wake go first, so the wake starts as early as it can.
    remote.sort(key=lambda module: not MODULE_ENDPOINTS[module].needs_car_online)
    if remote:
        results.update(_run_concurrently(remote, caller, gate, policy))

    logger.info(
        "tesla modules fetched",
        extra={
            "fields": {
                "vehicle_id": vehicle_id,
                "vin": mask_vin(vin),
                "outcomes": {module: results[module].outcome for module in results},
                "reasons": {m: r.reason for m, r in results.items() if r.reason},
                "tesla_cost_micro_usd": log.summary(vin).cost_micro_usd,
            }
        },
    )
    return {module: results[module] for module in dict.fromkeys(modules)}


def _charging_result(sessions: list[dict] | ModuleFailure | None) -> ModuleResult:
    if isinstance(sessions, ModuleFailure):
        return sessions.as_result()
    if sessions is None:
        return ModuleResult.failed("the order's charging history was not fetched")
    return ModuleResult.ok(sessions)


def _any_needs_online(modules: Sequence[str]) -> bool:
    return any(MODULE_ENDPOINTS[module].needs_car_online for module in modules)


def _initial_state(caller: _Caller, vin: str) -> str | None:
    """The car's state from the free endpoint; None when Tesla would not say (we then just try)."""
    try:
        return _vehicle_state(caller.call("vehicle", "GET", f"/api/1/vehicles/{vin}"))
    except (_CallGaveUp, _CarAsleep):
        return None


def _run_concurrently(
    modules: Sequence[str], caller: _Caller, gate: _WakeGate, policy: FetchPolicy
) -> dict[str, ModuleResult]:
    pool = ThreadPoolExecutor(
        max_workers=min(policy.max_workers, len(modules)), thread_name_prefix="tesla-fetch"
    )
    try:
        futures = {module: pool.submit(_fetch_module, module, caller, gate) for module in modules}
        wait(futures.values(), return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures.values() if f.done() and f.exception()), None)
        if failed is not None:
            # A 401 ends the car's fetch: stop waiting for a wake, start nothing new.
            gate.abandon()
            pool.shutdown(wait=True, cancel_futures=True)
            failed.result()  # re-raises TokenExpired (or a bug) in the caller's thread
        return {module: future.result() for module, future in futures.items()}
    finally:
        pool.shutdown(wait=True)


def _fetch_module(module: str, caller: _Caller, gate: _WakeGate) -> ModuleResult:
    spec = MODULE_ENDPOINTS[module]
    if spec.partner_token:
        return _fetch_with_partner_token(spec, caller)
    path = spec.path(caller.vin or "")
    params = spec.params(caller.vin or "") if spec.params else None
    try:
        if spec.needs_car_online and not gate.car_online():
            return ModuleResult.unavailable(gate.reason)
        try:
            body = caller.call(spec.endpoint, "GET", path, params)
        except _CarAsleep:
            if not gate.car_online(answered_408=True):
                return ModuleResult.unavailable(gate.reason)
            body = caller.call(spec.endpoint, "GET", path, params)
    except _CarAsleep:
        return ModuleResult.unavailable("car went back to sleep before Tesla answered")
    except _CallGaveUp as gave_up:
        return ModuleResult.failed(gave_up.reason)
    if body is None:
        return ModuleResult.failed("Tesla answered without a body")
    return ModuleResult.ok(body)


def _fetch_with_partner_token(spec: _ModuleEndpoint, caller: _Caller) -> ModuleResult:
    """A partner-token module (specs): served from Tesla's cloud, so never a wake; a 401 here is
    about our partner token, not the customer's, so it fails the module instead of a refresh."""
    vin = caller.vin or ""
    params = spec.params(vin) if spec.params else None
    try:
        try:
            body = caller.as_partner().call(spec.endpoint, "GET", spec.path(vin), params)
        except TokenExpired:
            # The instance's cached token was refused: one new token, one more try.
            body = caller.as_partner(renew=True).call(spec.endpoint, "GET", spec.path(vin), params)
    except _CallGaveUp as gave_up:
        return ModuleResult.failed(gave_up.reason)
    except TokenExpired as expired:
        return ModuleResult.failed(f"Tesla refused our partner token: {expired.error}")
    except _CarAsleep:
        return ModuleResult.unavailable("Tesla answered 408 to a call that needs no wake")
    if body is None:
        return ModuleResult.failed("Tesla answered without a body")
    return ModuleResult.ok(body)


# ── Per order: the account-level charging history ─────────────────────────────────────────────


def fetch_charging_history(
    client: FleetClient,
    *,
    vins: Collection[str],
    since: datetime | None = None,
    policy: FetchPolicy,
    clock: Clock = SYSTEM_CLOCK,
    calls: CallLog | None = None,
) -> dict[str, list[dict]] | ModuleFailure:
    """The order's Supercharger sessions per car: one paged fetch for the whole account.

    Every page is fetched (newest first, duplicates across a page boundary dropped) and the rows
    split by their ``vin``: each VIN of ``vins`` gets only its own sessions (or []), and sessions
    of cars outside the order are dropped. With a single car the ``vin`` filter is also sent, so
    Tesla pages through that car's sessions only. A failed page fails the whole history: a
    partial list would understate the costs. The calls are recorded with ``vin=None``.
    """
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    wanted = {vin.upper() for vin in vins}
    log = calls if calls is not None else CallLog()
    caller = _Caller(client, policy, clock, log, vin=None)
    fetch_page = partial(_fetch_history_page, caller, _history_params(wanted, since))
    pages = _fetch_history_pages(fetch_page, policy)
    if isinstance(pages, ModuleFailure):
        return pages
    return _split_by_vin(_drop_repeated_sessions(pages), wanted)


_Page = tuple[list[dict], int | None]  # the rows of one page and Tesla's totalResults
_PageFetcher = Callable[[int], _Page | ModuleFailure]


def _history_params(wanted: Collection[str], since: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "pageSize": CHARGING_HISTORY_PAGE_SIZE,
        "sortBy": "chargeStartDateTime",
        "sortOrder": "DESC",
    }
    if len(wanted) == 1:
        params["vin"] = next(iter(wanted))
    if since is not None:
        params["startTime"] = since.isoformat(timespec="seconds")
    return params


def _fetch_history_page(
    caller: _Caller, params: dict[str, Any], page_no: int
) -> _Page | ModuleFailure:
    try:
        body = caller.call(
            CHARGING_HISTORY, "GET", CHARGING_HISTORY_PATH, {**params, "pageNo": page_no}
        )
    except _CallGaveUp as gave_up:
        return ModuleFailure(f"charging history: {gave_up.reason}")
    except _CarAsleep:
        return ModuleFailure("charging history: Tesla answered 408", "unavailable")
    page, total = _history_page(body)
    if page is None:
        return ModuleFailure("charging history: Tesla answered without a data list")
    return page, total


def _fetch_history_pages(
    fetch_page: _PageFetcher, policy: FetchPolicy
) -> list[list[dict]] | ModuleFailure:
    """Every page's rows in page order, or the failure of the first page that failed."""
    first = fetch_page(CHARGING_HISTORY_FIRST_PAGE)
    if isinstance(first, ModuleFailure):
        return first
    first_rows, total = first
    if _last_page(first_rows, len(first_rows), total):
        return [first_rows]
    rest = (
        _fetch_counted_pages(fetch_page, total, len(first_rows), policy)
        if total is not None
        else _fetch_pages_until_short(fetch_page, len(first_rows))
    )
    return rest if isinstance(rest, ModuleFailure) else [first_rows, *rest]


def _fetch_counted_pages(
    fetch_page: _PageFetcher, total: int, page_size: int, policy: FetchPolicy
) -> list[list[dict]] | ModuleFailure:
    # totalResults says how many pages there are: fetch the rest at once (same bill, a fraction
    # of the wall time for a large account).
    count = min(-(-total // page_size), CHARGING_HISTORY_MAX_PAGES)
    numbers = range(CHARGING_HISTORY_FIRST_PAGE + 1, CHARGING_HISTORY_FIRST_PAGE + count)
    with ThreadPoolExecutor(max_workers=policy.max_workers) as pool:
        fetched = list(pool.map(fetch_page, numbers))
    pages: list[list[dict]] = []
    for result in fetched:
        if isinstance(result, ModuleFailure):
            return result
        pages.append(result[0])
    return pages


def _fetch_pages_until_short(
    fetch_page: _PageFetcher, received: int
) -> list[list[dict]] | ModuleFailure:
    """Without totalResults: the next pages one by one until a short (or empty) one."""
    pages: list[list[dict]] = []
    for page_no in range(
        CHARGING_HISTORY_FIRST_PAGE + 1, CHARGING_HISTORY_FIRST_PAGE + CHARGING_HISTORY_MAX_PAGES
    ):
        result = fetch_page(page_no)
        if isinstance(result, ModuleFailure):
            return result
        pages.append(result[0])
        received += len(result[0])
        if _last_page(result[0], received, None):
            return pages
    logger.warning("charging history: stopped after %d pages", CHARGING_HISTORY_MAX_PAGES)
    return pages


def _drop_repeated_sessions(pages: list[list[dict]]) -> list[dict]:
    rows: list[dict] = []
    seen_session_ids: set[Any] = set()
    for page in pages:
        for row in page:
            session_id = row.get("sessionId")
            if session_id is not None:
                if session_id in seen_session_ids:
                    continue  # a new session shifted the pages by one while we read them
                seen_session_ids.add(session_id)
            rows.append(row)
    return rows


def _split_by_vin(rows: list[dict], wanted: Collection[str]) -> dict[str, list[dict]]:
    by_vin: dict[str, list[dict]] = {vin: [] for vin in sorted(wanted)}
    for row in rows:
        row_vin = row.get("vin")
        if isinstance(row_vin, str) and row_vin.upper() in by_vin:
            by_vin[row_vin.upper()].append(row)
    return by_vin


def _history_page(body: Any) -> tuple[list[dict] | None, int | None]:
    """Rows and ``totalResults`` of one page; bare ``{"data"}`` or wrapped in ``response``."""
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        body = body["response"]
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None, None
    total = body.get("totalResults")
    rows = [row for row in body["data"] if isinstance(row, dict)]
    return rows, total if isinstance(total, int) else None


def _last_page(page: list[dict], received: int, total: int | None) -> bool:
    if not page:
        return True
    if total is not None:
        return received >= total
    # Without a total, a short page is the end (a silently clamped page size would end it early,
    # which is why totalResults is preferred).
    return len(page) < CHARGING_HISTORY_PAGE_SIZE
