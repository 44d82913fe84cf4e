"""``make status``: one screen about the running local stack, read from its emulators.

The same questions as the cloud dashboard (infra/dashboards/orders.json) and alerts, answered
from the state itself instead of log-based metrics: orders by state and the funnel
(connected → selected → paid → complete), cars by state, stuck orders (paid more than 30 minutes
ago and not complete — the reconciler's ``stuck_order`` rule), payment → complete latency,
refunds, disputes and payment issues (the payment ledger), reconciler repairs, and the Tesla
calls and cost since the simulator started (its billing ledger, ``GET /admin/ledger``).

    python -m dev.status                 # the summary (make status)
    python -m dev.status --order ord_…   # one order: state, cars, money, Tesla calls
    python -m dev.status --order ord_… --log up.log   # … and its log lines (make up | tee up.log)

It finds the stack where ``make up`` puts it (dev/up.py's ports, ``CPT_*_PORT`` to move them);
variables already set (FIRESTORE_EMULATOR_HOST, …) win, so tests point it at their own cloud.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STUCK_AFTER = timedelta(minutes=30)  # shared.operations.reconciler.Windows.stuck_after_s
FUNNEL = ("connected", "selected", "paid", "complete")
PAID_STATES = ("paid", "generating", "complete", "reconnect_required")
LATEST = 5


@dataclass
class Order:
    order_id: str
    status: str
    package: str | None
    cars: int
    created_at: datetime | None
    paid_at: datetime | None
    completed_at: datetime | None
    tesla_cost_micro_usd: int = 0
    car_states: Counter[str] = field(default_factory=Counter)


@dataclass
class Status:
    now: datetime
    orders: list[Order]
    cars: Counter[str]
    funnel: dict[str, int]
    stuck: list[Order]
    money: dict[str, int]
    repairs: dict[str, int]  # order id → repairs so far
    tesla: dict[str, Any] | None  # the simulator's ledger summary, None when unreachable


# --- where the local stack is ---------------------------------------------------------------------


def local_environment() -> dict[str, str]:
    """What ``make up`` gives its functions, for what is not set already."""
    from dev.up import LOCAL_PROJECT, port

    return {
        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{port('CPT_FIRESTORE_PORT')}",
        "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port('CPT_GCS_PORT')}",
        "GOOGLE_CLOUD_PROJECT": LOCAL_PROJECT,
        "CPT_PROJECT_ID": LOCAL_PROJECT,
        "CPT_ENVIRONMENT": "local",
    }


def tesla_simulator_url() -> str:
    from dev.up import port

    return f"http://127.0.0.1:{port('CPT_TESLA_SIM_PORT')}"


# --- reading the emulators ------------------------------------------------------------------------


def collect(tesla_url: str | None, now: datetime | None = None) -> Status:
    from shared.platform.settings import get_settings

    settings = get_settings()
    now = now or datetime.now(UTC)
    orders = _orders(settings.sessions_collection)
    cars: Counter[str] = Counter()
    for order in orders:
        cars.update(order.car_states)
    funnel = {
        "connected": len(orders),
        "selected": sum(1 for o in orders if o.package is not None),
        "paid": sum(1 for o in orders if o.paid_at is not None),
        "complete": sum(1 for o in orders if o.status == "complete"),
    }
    stuck = [
        o
        for o in orders
        if o.paid_at is not None and o.status != "complete" and now - o.paid_at >= STUCK_AFTER
    ]
    return Status(
        now=now,
        orders=orders,
        cars=cars,
        funnel=funnel,
        stuck=stuck,
        money=_money(settings.payment_ledger_collection),
        repairs=_repairs(orders),
        tesla=tesla_ledger(tesla_url) if tesla_url else None,
    )


def _orders(collection: str) -> list[Order]:
    from shared.delivery.report_store import CAR_REPORTS
    from shared.platform.clients import firestore_client

    db = firestore_client()
    orders = []
    for snapshot in db.collection(collection).stream():
        document = snapshot.to_dict() or {}
        order = Order(
            order_id=str(document.get("order_id", "?")),
            status=str(document.get("status", "?")),
            package=document.get("selected_package"),
            cars=len(document.get("selected_vehicle_ids") or []),
            created_at=document.get("created_at"),
            paid_at=document.get("paid_at"),
            completed_at=None,
        )
        for car in snapshot.reference.collection(CAR_REPORTS).stream():
            data = car.to_dict() or {}
            order.car_states[str(data.get("status", "pending"))] += 1
            order.tesla_cost_micro_usd += int(data.get("tesla_cost_micro_usd") or 0)
            if order.status == "complete" and data.get("updated_at"):
                ended = data["updated_at"]
                order.completed_at = max(order.completed_at or ended, ended)
        orders.append(order)
    orders.sort(key=lambda o: o.paid_at or o.created_at or datetime.min.replace(tzinfo=UTC))
    return orders


def _money(collection: str) -> dict[str, int]:
    from shared.platform.clients import firestore_client

    money: Counter[str] = Counter()
    for snapshot in firestore_client().collection(collection).stream():
        record = snapshot.to_dict() or {}
        money["refunds"] += len(record.get("refunds") or [])
        money["refunds"] += sum(1 for i in record.get("issues") or [] if _refunded(i))
        money["disputes"] += len(record.get("disputes") or [])
        money["payment issues"] += len(record.get("issues") or [])
        money["late payments"] += len(record.get("late_payments") or [])
    return {key: money[key] for key in ("refunds", "disputes", "payment issues", "late payments")}


def _refunded(issue: Mapping[str, Any]) -> bool:
    refund = issue.get("refund")
    return isinstance(refund, str) and refund.startswith("re_")


def _repairs(orders: Iterable[Order]) -> dict[str, int]:
    """Orders the reconciler repaired, with their count (artifacts/reconciler documents)."""
    from shared.delivery.report_store import ARTIFACTS
    from shared.operations.reconciler import REPAIRS_ARTIFACT
    from shared.platform.clients import firestore_client
    from shared.platform.settings import get_settings

    collection = get_settings().sessions_collection
    by_key = {}
    for snapshot in firestore_client().collection_group(ARTIFACTS).stream():
        if snapshot.id != REPAIRS_ARTIFACT:
            continue
        order_document = snapshot.reference.parent.parent
        if order_document is None or order_document.parent.id != collection:
            continue
        by_key[order_document.id] = int((snapshot.to_dict() or {}).get("repairs") or 0)
    if not by_key:
        return {}
    ids = {
        snapshot.id: (snapshot.to_dict() or {}).get("order_id", "?")
        for snapshot in firestore_client().collection(collection).stream()
    }
    return {str(ids.get(key, key[:12])): count for key, count in by_key.items()}


def tesla_ledger(base_url: str) -> dict[str, Any] | None:
    """The simulator's billing ledger summary; None when it is not running."""
    import requests

    try:
        response = requests.get(f"{base_url}/admin/ledger", params={"entries": "false"}, timeout=5)
        response.raise_for_status()
    except requests.RequestException:
        return None
    summary: dict[str, Any] = response.json()
    return summary


# --- the screen -----------------------------------------------------------------------------------


def usd(micro_usd: int) -> str:
    return f"${micro_usd / 1_000_000:.4f}"


def _counts(counter: Mapping[str, int]) -> str:
    return " · ".join(f"{name} {count}" for name, count in sorted(counter.items())) or "none"


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S") if moment else "—"


def render(status: Status) -> str:
    by_state = Counter(order.status for order in status.orders)
    lines = [
        f"Car Pulse Tracker — local stack, {status.now:%Y-%m-%d %H:%M:%S} UTC",
        "",
        f"Orders    {len(status.orders):>4}   {_counts(by_state)}",
        "Funnel           " + " → ".join(f"{s} {status.funnel[s]}" for s in FUNNEL),
        f"Cars      {sum(status.cars.values()):>4}   {_counts(status.cars)}",
        *_latency_lines(status.orders),
        *_stuck_lines(status),
        f"Money            {_counts(status.money)}",
        *_repair_lines(status.repairs),
        *_tesla_lines(status.tesla),
        *_latest_lines(status.orders),
    ]
    return "\n".join(lines)


def _latency_lines(orders: list[Order]) -> list[str]:
    latencies = sorted(
        (o.completed_at - o.paid_at).total_seconds()
        for o in orders
        if o.completed_at and o.paid_at and o.completed_at >= o.paid_at
    )
    if not latencies:
        return []
    median, worst = latencies[len(latencies) // 2], latencies[-1]
    return [f"Latency          payment → complete: median {median:.0f} s, max {worst:.0f} s"]


def _stuck_lines(status: Status) -> list[str]:
    if not status.stuck:
        return ["Stuck        0   (no order paid > 30 min ago and not complete)"]
    lines = [f"STUCK     {len(status.stuck):>4}   paid > 30 min ago and not complete:"]
    for order in status.stuck[:LATEST]:
        age = int((status.now - order.paid_at).total_seconds() // 60) if order.paid_at else 0
        lines.append(f"            {order.order_id}  {order.status}  paid {age} min ago")
    return lines


def _repair_lines(repairs: Mapping[str, int]) -> list[str]:
    if not repairs:
        return []
    order_id, count = max(repairs.items(), key=lambda item: item[1])
    return [
        f"Repairs   {len(repairs):>4}   orders the reconciler repaired; most: {order_id} {count}×"
    ]


def _latest_lines(orders: list[Order]) -> list[str]:
    paid = [order for order in orders if order.paid_at is not None][-LATEST:]
    if not paid:
        return []
    lines = ["", "Latest paid orders"]
    for order in reversed(paid):
        lines.append(
            f"  {order.order_id}  {order.status:<18} {order.package or '-':<7} "
            f"{order.cars} car(s): {_counts(order.car_states):<24} paid {_when(order.paid_at)}"
            f"  Tesla {usd(order.tesla_cost_micro_usd)}"
        )
    return lines


def _tesla_lines(ledger: Mapping[str, Any] | None) -> list[str]:
    if ledger is None:
        return ["Tesla            simulator not reachable (is make up running?)"]
    endpoints = sorted(
        ledger.get("by_endpoint", {}).items(), key=lambda item: -item[1]["cost_micro_usd"]
    )
    parts = [
        f"{name} {bucket['calls']} ({usd(bucket['cost_micro_usd'])})"
        for name, bucket in endpoints[:6]
    ]
    cost = usd(ledger.get("total_cost_micro_usd", 0))
    lines = [
        f"Tesla     {ledger.get('total_calls', 0):>4}   calls since start, "
        f"{ledger.get('billed_calls', 0)} billed, cost {cost}"
    ]
    for start in range(0, len(parts), 3):
        lines.append("                 " + " · ".join(parts[start : start + 3]))
    return lines


# --- one order ------------------------------------------------------------------------------------


def order_story(status: Status, order_id: str, log: Path | None) -> str:
    match = [order for order in status.orders if order.order_id == order_id]
    if not match:
        return f"{order_id}: no such order in the emulator (expired, or another stack)"
    order = match[0]
    lines = [
        f"{order.order_id}  {order.status}  package {order.package or '-'}  {order.cars} car(s)",
        f"  created {_when(order.created_at)}  paid {_when(order.paid_at)}  "
        f"cars: {_counts(order.car_states)}  Tesla {usd(order.tesla_cost_micro_usd)}",
        f"  reconciler repairs: {status.repairs.get(order.order_id, 0)}",
    ]
    if log is not None:
        lines.append(f"  log lines naming it in {log}:")
        lines.extend(f"    {line}" for line in log_lines(log, order_id))
    return "\n".join(lines)


def log_lines(path: Path, order_id: str) -> list[str]:
    """The JSON log lines of ``make up`` that name the order: time, route, message, signal."""
    found = []
    for raw in path.read_text(errors="replace").splitlines():
        if order_id not in raw:
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        extra = f" [{record['signal']}]" if "signal" in record else ""
        found.append(
            f"{str(record.get('time', ''))[11:19]}  {record.get('route', '-'):<22} "
            f"{record.get('message', '')}{extra}"
        )
    return found


def _reachable(host_port: str) -> bool:
    """A quick connect: the Firestore client would retry an absent emulator for minutes."""
    import socket

    host, _, port_text = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port_text)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.status", description=__doc__)
    parser.add_argument("--order", help="one order's story, by its id (ord_…)")
    parser.add_argument("--log", type=Path, help="make up's output saved with tee")
    parser.add_argument("--tesla-url", help="the Tesla simulator (default: make up's port)")
    args = parser.parse_args(argv)
    for name, value in local_environment().items():
        os.environ.setdefault(name, value)
    if not _reachable(os.environ["FIRESTORE_EMULATOR_HOST"]):
        print(
            f"make status: no Firestore emulator at {os.environ['FIRESTORE_EMULATOR_HOST']}; "
            "is make up running?",
            file=sys.stderr,
        )
        return 1
    try:
        status = collect(args.tesla_url or tesla_simulator_url())
    except Exception as error:  # the emulator is not running: one line, no traceback
        print(f"make status: cannot read the local stack ({type(error).__name__}); "
              "is make up running?", file=sys.stderr)  # fmt: skip
        return 1
    print(order_story(status, args.order, args.log) if args.order else render(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
