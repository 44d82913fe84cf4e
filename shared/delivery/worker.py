"""The report worker: one Cloud Task builds one car's report, exactly once.

1. Claim the car (a lease in its own Firestore document): a second delivery of the same task
   finds it done (200, nothing built) or busy — then it answers 503 with ``Retry-After`` = the
   lease left, so Cloud Tasks delivers it again and a crashed attempt's car is taken over once
   its lease has run out. One report and one set of Tesla calls per successful build.
2. Fetch exactly the package's modules (``shared.tesla.fetch``); the charging history is
   account-level, so it is fetched once per order by whichever car gets there first (a lease on
   an order artifact) and split by VIN, and every car reads its own share. The attempt's Tesla
   calls are recorded on the car's document right then, before rendering and upload: an attempt
   that dies later is still accounted for, and the car's record sums every attempt's calls.
3. On a 401, refresh the token once — one refresh per session at a time, the rotated refresh
   token stored before the new access token is used. A refused refresh moves the order to
   ``reconnect_required``; after the customer reconnects, generation resumes, unpaid again never.
4. Normalise into the typed report, render the PDF, store both, record each module's outcome
   and the Tesla calls made, and complete the order when its last car ends.
5. A car that could not be woken keeps its partial report and is tried again later, on
   ``Settings.car_retry_delays_s``, by a task of the next generation scheduled for then; the
   rebuilt report becomes the current one and the partial one stays in the car's history.

Infrastructure failures raise ``Retryable`` (503), so Cloud Tasks delivers the task again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.cars.connection import Connection
from shared.cars.vehicles import VehicleRecord
from shared.delivery import generation, issued, report_store
from shared.delivery.report_store import (
    AttemptCalls,
    CarStatus,
    CarUpdate,
    Claim,
    EarlierReport,
    HistoryArtifact,
    HistoryState,
)
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.platform import errors
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal
from shared.product.catalog import Package

if TYPE_CHECKING:
    from shared.reports.model import VehicleReport
    from shared.reports.normalise import ModuleResult
    from shared.reports.proof import PrintedProof
    from shared.tesla.calls import CallLog, TeslaCall
    from shared.tesla.fetch import FetchPolicy, ModuleFailure, PartnerClients
    from shared.tesla.fleet import FleetClient

    ChargingHistory = dict[str, list[dict]] | ModuleFailure  # by VIN, or why not fetched

logger = logging.getLogger(__name__)

REFRESH_LOCK_S = 30
HISTORY_LEASE_S = 120
HISTORY_WAIT_S = 60


class Retryable(errors.UpstreamUnavailable):
    """Try this task again later (Cloud Tasks retries on 503)."""


class CarBusy(Retryable):
    """Another delivery holds the car's live lease: 503 with ``Retry-After`` = the lease left,
    so Cloud Tasks keeps the task and delivers it again (a 2xx would delete it)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "Another delivery is building this car's report.", retry_after_s=retry_after_s
        )

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details["retry_after_s"])}


class ReconnectNeeded(Exception):
    """The brand refused the refresh token: the customer must connect again."""


def build_car_report(
    settings: Settings, session_key: str, vehicle_id: int, generation_of_task: int | None = None
) -> str:
    """Handle one task delivery; returns what happened (for the response and the logs).

    ``generation_of_task``: the task's generation; a delivery of a car's planned retry
    (an offline car, its order already complete) is recognised by it.
    """
    session = sessions.load_session_by_key(settings, session_key, allow_expired=True)
    if not _may_build(session.status, generation_of_task):
        return f"skipped:{session.status.value}"
    vehicle = session.vehicle_by_id(vehicle_id)
    if vehicle is None or vehicle_id not in session.selected_vehicle_ids:
        return "not_in_order"
    claim = report_store.claim(
        settings, session_key, vehicle_id, settings.worker_lease_s, generation=generation_of_task
    )
    if claim.outcome == "busy":
        raise CarBusy(claim.retry_after_s)
    if claim.outcome == "done":
        return "done"
    try:
        outcome = _build(settings, session, vehicle, claim)
    except ReconnectNeeded:
        _stop_for_reconnect(settings, session_key, claim)
        signal(
            Signal.CAR_REPORT,
            order_id=session.order_id,
            outcome="waiting_reconnect",
            reason="tesla_connection_expired",
            attempt=claim.attempt,
        )
        return "reconnect_required"
    except Exception:
        # Give the car back so the retry (or the WUI's generate) can take it at once.
        back = CarStatus.PARTIAL if claim.is_retry else CarStatus.PENDING
        report_store.settle_car(
            settings, session_key, vehicle_id, claim.attempt, CarUpdate(status=back)
        )
        raise
    if generation.finish_if_done(settings, session_key) and claim.is_retry:
        generation.retry_ended(settings, session_key)
    return outcome


def _may_build(status: SessionStatus, generation_of_task: int | None) -> bool:
    # A complete order still has work only for a car's planned retry (the claim decides).
    if status == SessionStatus.COMPLETE:
        return generation_of_task is not None
    return status == SessionStatus.GENERATING


def _stop_for_reconnect(settings: Settings, session_key: str, claim: Claim) -> None:
    vehicle_id = claim.car.vehicle_id
    if not claim.is_retry:
        waiting = CarUpdate(status=CarStatus.WAITING_RECONNECT, reason="Tesla connection expired")
        report_store.settle_car(settings, session_key, vehicle_id, claim.attempt, waiting)
        return
    # The order is complete and the customer has the partial report: the retries stop there.
    reason = "; ".join(filter(None, [claim.car.reason, "retry stopped: Tesla connection expired"]))
    stopped = CarUpdate(status=CarStatus.PARTIAL, reason=reason[:1000], next_attempt_at=None)
    report_store.settle_car(settings, session_key, vehicle_id, claim.attempt, stopped)
    generation.retry_ended(settings, session_key)


def _build(
    settings: Settings, session: sessions.OrderSession, vehicle: VehicleRecord, claim: Claim
) -> str:
    from shared.product.catalog import package_modules
    from shared.reports.normalise import build_report
    from shared.tesla.calls import CallLog

    package = session.selected_package or Package.BASIC
    modules = [str(module) for module in package_modules(package)]
    calls = CallLog()
    try:
        results = _fetch(settings, session, vehicle, modules, calls)
    finally:
        # Before rendering and upload: an attempt that dies from here on is accounted for.
        _record_attempt_calls(settings, session.session_key, vehicle, claim, calls)
        signal_tesla_calls(session.order_id, calls)

    report = build_report(
        vehicle=vehicle.model_dump(),
        package=package,
        modules=results,
        language=session.language,
        generated_at=datetime.now(UTC),
    )
    report_json = report.model_dump_json()
    stored_form = json.loads(report_json)  # what the JSON file holds: the signed content
    proof = issued.prepare_proof(settings, stored_form)
    pdf = _render(report, session, proof)
    paths = report_store.save_report(
        settings,
        session.order_id,
        vehicle.id,
        report_json,
        pdf,
        generation=claim.car.generation,
    )
    if pdf is not None and proof is not None:  # registered for POST /verify (shared/sharing)
        issued.register(
            settings,
            owner_key=session.session_key,
            order_id=session.order_id,
            vehicle_id=vehicle.id,
            report=stored_form,
            proof=proof,
            pdf=pdf,
            json_path=paths[0],
            pdf_path=paths[1],
            generation=claim.car.generation,
        )
    status = CarStatus(report.status.value)
    retry_at = _next_attempt_at(settings, claim, status, results)
    if retry_at is not None:
        _queue_retry(settings, session, vehicle.id, claim.car.generation + 1, retry_at)
    change = _settled(claim, status, results, calls.for_vin(vehicle.vin), paths, retry_at)
    if not report_store.settle_car(
        settings, session.session_key, vehicle.id, claim.attempt, change
    ):
        # Our lease ran out and another delivery took the car over: its result stands.
        logger.warning("car taken over", extra={"fields": {"order_id": session.order_id}})
        return "superseded"
    logger.info(
        "car report built",
        extra={
            "fields": {
                "order_id": session.order_id,
                "vin_suffix": vehicle.vin[-4:],
                "report_status": report.status.value,
                "tesla_billed_calls": calls.summary(vehicle.vin).billed_calls,
                "attempt": claim.attempt,
                "next_attempt_at": retry_at.isoformat() if retry_at else None,
            }
        },
    )
    module_outcomes = {name: result.outcome for name, result in results.items()}
    signal(
        Signal.CAR_REPORT,
        order_id=session.order_id,
        package=str(package),
        outcome=report.status.value,
        reason=car_outcome_reason(module_outcomes),
        attempt=claim.attempt,
        retry_planned=retry_at is not None,
    )
    return report.status.value


def _fetch(
    settings: Settings,
    session: sessions.OrderSession,
    vehicle: VehicleRecord,
    modules: list[str],
    calls: CallLog,
) -> dict[str, ModuleResult]:
    """This car's modules (and its share of the order's charging history), refreshing the
    token once on a 401."""
    from shared.tesla.fetch import TokenExpired, fetch_vehicle_modules

    own_modules = [module for module in modules if module != "charging_history"]
    for attempt in (1, 2):
        client = _client(settings, session)
        try:
            # The order's charging history (one shared fetch) is got while this car's own
            # modules are fetched: neither waits for the other.
            with ThreadPoolExecutor(max_workers=1) as pool:
                history = (
                    pool.submit(_order_charging_history, settings, session, client, calls)
                    if len(own_modules) < len(modules)
                    else None
                )
                results = fetch_vehicle_modules(
                    client,
                    vin=vehicle.vin,
                    vehicle_id=vehicle.id,
                    modules=own_modules,
                    charging_sessions=None,
                    policy=_policy(settings),
                    calls=calls,
                    partner=_partner_clients(settings),
                )
                if history is not None:
                    results["charging_history"] = _history_of_car(history.result(), vehicle.vin)
            return results
        except TokenExpired:
            if attempt == 2:
                raise ReconnectNeeded from None
            session = refresh_tokens(settings, session)
    raise AssertionError("unreachable")  # the loop returns or raises


def _record_attempt_calls(
    settings: Settings, session_key: str, vehicle: VehicleRecord, claim: Claim, calls: CallLog
) -> None:
    summary = calls.summary(vehicle.vin)
    record = AttemptCalls(
        generation=claim.car.generation,
        tesla_calls=[call.as_manifest() for call in calls.for_vin(vehicle.vin)],
        billed_calls=summary.billed_calls,
        tesla_cost_micro_usd=summary.cost_micro_usd,
        recorded_at=datetime.now(UTC),
    )
    report_store.record_attempt_calls(settings, session_key, vehicle.id, claim.attempt, record)


def _settled(
    claim: Claim,
    status: CarStatus,
    results: dict[str, ModuleResult],
    own_calls: tuple[TeslaCall, ...],
    paths: tuple[str, str | None],
    retry_at: datetime | None,
) -> CarUpdate:
    """How the attempt ends: its report, every attempt's calls and cost, and the next try."""
    car = claim.car
    earlier = [calls for number, calls in car.attempt_calls.items() if number != str(claim.attempt)]
    mine = [call.as_manifest() for call in own_calls]
    reasons = [f"{name}: {result.reason}" for name, result in results.items() if result.reason]
    history = list(car.history)
    if car.json_path and car.json_path != paths[0]:
        # The report it replaces (a partial one, from an earlier generation) stays readable.
        history.append(
            EarlierReport(
                generation=car.generation - 1 if car.generation else 0,
                status=car.status,
                json_path=car.json_path,
                pdf_path=car.pdf_path,
                reason=car.reason,
                replaced_at=datetime.now(UTC),
            )
        )
    fields: dict[str, Any] = {
        "status": status,
        "json_path": paths[0],
        "pdf_path": paths[1],
        "modules": {name: result.outcome for name, result in results.items()},
        "reason": "; ".join(reasons)[:1000] or None,
        "tesla_calls": [call for attempt in earlier for call in attempt.tesla_calls] + mine,
        "tesla_cost_micro_usd": sum(attempt.tesla_cost_micro_usd for attempt in earlier)
        + sum(call["cost_micro_usd"] for call in mine),
        "next_attempt_at": retry_at,
        "history": history,
    }
    if retry_at is not None:
        fields.update(generation=car.generation + 1, retries=car.retries + 1)
    return CarUpdate(**fields)


def _next_attempt_at(
    settings: Settings, claim: Claim, status: CarStatus, results: dict[str, ModuleResult]
) -> datetime | None:
    """When a car that could not be woken is tried again; None: no (more) retries."""
    delays = settings.car_retry_delays_s
    if status != CarStatus.PARTIAL or claim.car.retries >= len(delays):
        return None
    if not car_unreachable({name: result.outcome for name, result in results.items()}):
        return None
    return datetime.now(UTC) + timedelta(seconds=delays[claim.car.retries])


def signal_tesla_calls(order_id: str, calls: CallLog) -> None:
    """One ``tesla_calls`` signal per endpoint this attempt called (the car's own calls and the
    order's charging history when this attempt fetched it): what the Tesla cost metrics sum."""
    for endpoint, summary in calls.per_endpoint().items():
        signal(
            Signal.TESLA_CALLS,
            order_id=order_id,
            endpoint=endpoint,
            calls=summary.calls,
            billed_calls=summary.billed_calls,
            cost_micro_usd=summary.cost_micro_usd,
        )


def car_outcome_reason(outcomes: Mapping[str, str]) -> str | None:
    """Pure: a bounded reason code for a car's outcome (a metric label), None when every module
    is ok: the car stayed asleep/offline, Tesla failed a module, or a module was unavailable."""
    if car_unreachable(outcomes):
        return "car_unreachable"
    if any(outcome == "failed" for outcome in outcomes.values()):
        return "module_failed"
    if any(outcome != "ok" for outcome in outcomes.values()):
        return "module_unavailable"
    return None


def car_unreachable(outcomes: Mapping[str, str]) -> bool:
    """Pure: a module that needs the car online was unavailable (it stayed asleep or offline
    through the wake window) — what a later attempt can fix."""
    from shared.tesla.fetch import MODULE_ENDPOINTS

    return any(
        outcome == "unavailable" and MODULE_ENDPOINTS[name].needs_car_online
        for name, outcome in outcomes.items()
        if name in MODULE_ENDPOINTS
    )


def _queue_retry(
    settings: Settings,
    session: sessions.OrderSession,
    vehicle_id: int,
    next_generation: int,
    when: datetime,
) -> None:
    """Schedule the car's next try: a new generation, so a new task name. Queued before the car
    records it: a crash in between leaves a task that the redelivered attempt queues again
    (ALREADY_EXISTS: counted as queued)."""
    from shared.delivery import tasks

    try:
        tasks.enqueue_report_task(
            settings,
            session_key=session.session_key,
            order_id=session.order_id,
            vehicle_id=vehicle_id,
            generation=next_generation,
            not_before=when,
        )
    except Exception:
        # The report is built and paid for in Tesla calls: keep it. The car still records its
        # next attempt, which the reconciler finds overdue and queues.
        logger.exception(
            "car retry not queued",
            extra={"fields": {"order_id": session.order_id, "generation": next_generation}},
        )


def _history_of_car(by_vin: ChargingHistory, vin: str) -> ModuleResult:
    from shared.reports.normalise import ModuleResult
    from shared.tesla.fetch import ModuleFailure

    if isinstance(by_vin, ModuleFailure):
        return by_vin.as_result()
    return ModuleResult.ok(by_vin.get(vin, []))


def _render(
    report: VehicleReport, session: sessions.OrderSession, proof: PrintedProof | None = None
) -> bytes | None:
    from shared.reports.pdf import OrderSummary, render_pdf

    try:
        return render_pdf(
            report,
            order=OrderSummary(
                order_id=session.order_id,
                package=session.selected_package or Package.BASIC,
                ordered_at=session.paid_at or session.created_at,
                vehicle_count=len(session.selected_vehicle_ids),
            ),
            language=session.language,
            proof=proof,
        )
    except Exception:  # the JSON report is still delivered; the PDF can be rebuilt
        logger.exception("pdf rendering failed", extra={"fields": {"order_id": session.order_id}})
        return None


def _client(settings: Settings, session: sessions.OrderSession) -> FleetClient:
    from shared.tesla.connect import tesla_http
    from shared.tesla.fleet import FleetClient

    access, _ = sessions.open_tokens(session)
    return FleetClient(settings, tesla_http(), access_token=access, region=session.region)


def _partner_clients(settings: Settings) -> PartnerClients:
    """Clients with the instance's cached partner token: Tesla's specs take no user token."""
    from shared.tesla.connect import tesla_http
    from shared.tesla.partner import partner_client

    return lambda region, renew: partner_client(settings, tesla_http(), region, renew=renew)


def _policy(settings: Settings) -> FetchPolicy:
    from shared.tesla.fetch import FetchPolicy

    return FetchPolicy(wake_timeout_s=settings.tesla_wake_timeout_s)


def _order_charging_history(
    settings: Settings, session: sessions.OrderSession, client: FleetClient, calls: CallLog
) -> ChargingHistory:
    """The order's charging history by VIN: fetched once per order, shared by its cars.

    The first car to create the lease document fetches; the others poll it with plain reads.
    No transactions: with every car of an order arriving at once, transactions on one document
    hold each other's locks (the emulator's pessimistic mode made cars wait ~10 s). A lease
    left by a crashed worker is taken over with a precondition on the document's update time.
    """
    stored = _stored_history_or_lease(settings, session)
    if stored is not None:
        return stored
    return _fetch_order_history(settings, session, client, calls)


def _stored_history_or_lease(
    settings: Settings, session: sessions.OrderSession
) -> dict[str, list[dict]] | None:
    """The history another car stored, or None once this car holds the lease to fetch it."""
    deadline = time.monotonic() + HISTORY_WAIT_S
    while True:
        artifact, update_time = report_store.history_artifact(settings, session.session_key)
        if artifact is not None and artifact.state == HistoryState.DONE:
            stored = report_store.load_charging_history(settings, session.order_id)
            if stored is not None:
                return stored
        elif _take_history_lease(settings, session, artifact, update_time):
            return None
        if time.monotonic() > deadline:
            raise Retryable("The order's charging history is still being fetched.")
        time.sleep(0.1)


def _take_history_lease(
    settings: Settings,
    session: sessions.OrderSession,
    artifact: HistoryArtifact | None,
    update_time: datetime | None,
) -> bool:
    now = datetime.now(UTC)
    lease = HistoryArtifact(
        state=HistoryState.FETCHING,
        lease_until=now + timedelta(seconds=HISTORY_LEASE_S),
        expires_at=session.expires_at,  # TTL: goes with the order
    )
    if artifact is None or update_time is None:
        # False: another car was first; wait for it.
        return report_store.create_history_artifact(settings, session.session_key, lease)
    if artifact.held_at(now):
        return False
    # Open, failed, or a stale lease: take it over unless someone else just did.
    return report_store.replace_history_lease(settings, session.session_key, lease, update_time)


def _fetch_order_history(
    settings: Settings, session: sessions.OrderSession, client: FleetClient, calls: CallLog
) -> ChargingHistory:
    """Fetch under the lease, store the result, and say how it ended in the lease document."""
    from shared.tesla.fetch import ModuleFailure, fetch_charging_history

    key = session.session_key
    vins = [vehicle.vin for vehicle in session.selected_vehicles]
    try:
        result = fetch_charging_history(client, vins=vins, policy=_policy(settings), calls=calls)
    except BaseException:
        # Hand the lease back at once (an expired token, a crash): the retry takes it again.
        report_store.end_history_lease(settings, key, HistoryArtifact(state=HistoryState.OPEN))
        raise
    if isinstance(result, ModuleFailure):
        failed = HistoryArtifact(state=HistoryState.FAILED, reason=result.reason)
        report_store.end_history_lease(settings, key, failed)
        return result
    report_store.save_charging_history(settings, session.order_id, result)
    order_calls = [call.as_manifest() for call in calls.for_vin(None)]
    done = HistoryArtifact(state=HistoryState.DONE, tesla_calls=order_calls)
    report_store.end_history_lease(settings, key, done)
    return result


def refresh_tokens(settings: Settings, session: sessions.OrderSession) -> sessions.OrderSession:
    """Refresh the brand token once per session at a time; returns the session with new tokens."""
    from shared.tesla import oauth
    from shared.tesla.connect import tesla_http
    from shared.tesla.errors import TeslaAuthRejected, TeslaError

    stale = session.tokens.access_token if session.tokens else None
    now = datetime.now(UTC)

    def lock(current: sessions.OrderSession) -> tuple[sessions.OrderSession, bool]:
        """The session locked for our refresh, and whether another car refreshed already."""
        if current.tokens is None:
            raise ReconnectNeeded
        if current.tokens.access_token != stale:
            return current, True  # another car refreshed meanwhile: use its tokens
        if current.refresh_lock_until is not None and current.refresh_lock_until > now:
            raise Retryable("A token refresh is in progress.")
        locked = current.model_copy(
            update={"refresh_lock_until": now + timedelta(seconds=REFRESH_LOCK_S)}
        )
        return locked, False

    stored, fresh = sessions.update(settings, session.session_key, lock, allow_expired=True)
    locked = stored.session
    if fresh:
        return locked
    _, refresh_token = sessions.open_tokens(locked)
    if not refresh_token:
        _need_reconnect(settings, locked.session_key)
        raise ReconnectNeeded
    try:
        tokens = oauth.refresh(settings, tesla_http(), refresh_token=refresh_token)
    except TeslaAuthRejected:
        _need_reconnect(settings, locked.session_key)
        raise ReconnectNeeded from None
    except TeslaError:
        _unlock(settings, locked.session_key)
        raise Retryable("Tesla could not refresh the token right now.") from None

    connection = Connection(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token or refresh_token,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes,
        region=locked.region,
        vehicles=(),
    )

    sealed = sessions.seal_tokens(locked.session_key, connection)  # outside: encryption is random

    def store(current: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        # Stored before anyone uses the new access token: the old refresh token is spent.
        unlocked = current.model_copy(update={"tokens": sealed, "refresh_lock_until": None})
        return unlocked, None

    logger.info("tesla token refreshed", extra={"fields": {"order_id": locked.order_id}})
    stored, _ = sessions.update(
        settings, locked.session_key, store, read=stored, allow_expired=True
    )
    return stored.session


def _unlock(settings: Settings, session_key: str) -> None:
    sessions.update_session_by_key(
        settings,
        session_key,
        lambda s: s.model_copy(update={"refresh_lock_until": None}),
        allow_expired=True,
    )


def _need_reconnect(settings: Settings, session_key: str) -> None:
    def mark(current: sessions.OrderSession) -> sessions.OrderSession:
        if current.status not in (SessionStatus.PAID, SessionStatus.GENERATING):
            # Already waiting, or complete (an offline car's retry): the order's state stays.
            return current.model_copy(update={"refresh_lock_until": None})
        return current.model_copy(
            update={
                "status": order_state.apply("need_reconnect", current.status),
                "refresh_lock_until": None,
            }
        )

    session = sessions.update_session_by_key(settings, session_key, mark, allow_expired=True)
    logger.warning(
        "tesla connection expired: reconnect required",
        extra={"fields": {"order_id": session.order_id}},
    )
