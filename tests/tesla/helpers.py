"""Helpers for the fetch tests: a clock that moves the simulator's time instead of sleeping."""

from __future__ import annotations

import threading
from typing import Any

import requests

from shared.platform.settings import get_settings
from shared.product.catalog import package_modules
from shared.reports.normalise import ModuleResult
from shared.tesla.calls import CallLog
from shared.tesla.fetch import (
    FetchPolicy,
    PartnerClients,
    fetch_charging_history,
    fetch_vehicle_modules,
)
from shared.tesla.fleet import FleetClient
from shared.tesla.partner import PartnerTokens, partner_client
from tests.fixtures.tesla_sim import TeslaSimulator

SOLO_VIN = "LRW3E7EK5RC412733"
SOLO_ID = 3744180001000500
FAMILY_3_VIN = "LRW3E7FA1NC208561"
FAMILY_3_ID = 3744180002000017
FAMILY_Y_VIN = "XP7YGCEL3PB109274"  # asleep at start
FAMILY_Y_ID = 3744180002008165
FLEET_ONLINE = {  # VIN → id of the fleet account's cars that start online
    "5YJ3E7EA8KF317702": 3744180003000035,
    "LRW3E7EB1MC042518": 3744180003008711,
    "LRW3E7ET1SC718844": 3744180003023897,
    "XP7YGCEJ3PB221460": 3744180003040022,
    "XP7YGCEL3TB008391": 3744180003055959,
}
FLEET_OFFLINE_VIN, FLEET_OFFLINE_ID = "5YJSA7E64PF512366", 3744180003072241
NA_ONLINE_VIN, NA_ONLINE_ID = "7SAYGDEE0PA115204", 3744180004000314

POLICY = FetchPolicy()  # the production defaults: the fake clock makes them cost nothing


class SimulatorClock:
    """Records every requested sleep and advances the simulator's clock by it, at once.

    ``now()`` is the sum of the sleeps so far, so deadlines in the code under test pass exactly
    as they would in real time, without the wait. Safe to call from the worker threads.
    """

    def __init__(self, tesla: TeslaSimulator) -> None:
        self._tesla = tesla
        self._lock = threading.Lock()
        self._now = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds
            self._tesla.advance(seconds)

    @property
    def slept(self) -> float:
        return sum(self.sleeps)


def client_for(tesla: TeslaSimulator, account: str, region: str = "eu") -> FleetClient:
    token = tesla.login(account)["access_token"]
    return FleetClient(get_settings(), requests.Session(), access_token=token, region=region)


def partner_for(tokens: PartnerTokens | None = None) -> PartnerClients:
    """Partner clients with a cache of their own (the simulator forgets tokens on reset)."""
    cache = tokens or PartnerTokens()
    http = requests.Session()
    return lambda region, renew: partner_client(
        get_settings(), http, region, renew=renew, tokens=cache
    )


def paid_entries(tesla: TeslaSimulator, **filters: str) -> list[dict[str, Any]]:
    """The ledger entries that cost money (billed, not in the free category)."""
    entries = tesla.ledger(**filters)["entries"]
    return [entry for entry in entries if entry["billed"] and entry["cost_micro_usd"] > 0]


def endpoints_of(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(entry["endpoint"] for entry in entries)


def run_order(
    client: FleetClient,
    cars: dict[str, int],
    package: str,
    clock: SimulatorClock,
    calls: CallLog,
    policy: FetchPolicy = POLICY,
) -> dict[str, dict[str, ModuleResult]]:
    """What the report worker does for an order: history once, then each car's modules."""
    modules = [str(module) for module in package_modules(package)]
    history = (
        fetch_charging_history(client, vins=cars, policy=policy, clock=clock, calls=calls)
        if "charging_history" in modules
        else None
    )
    return {
        vin: fetch_vehicle_modules(
            client,
            vin=vin,
            vehicle_id=vehicle_id,
            modules=modules,
            charging_sessions=history.get(vin, []) if isinstance(history, dict) else history,
            policy=policy,
            clock=clock,
            calls=calls,
            partner=partner_for(),
        )
        for vin, vehicle_id in cars.items()
    }
