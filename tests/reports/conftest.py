"""Real Tesla-shaped input for the report tests: every demo account, fetched once over HTTP.

The simulator is called the way the report worker calls Tesla (one login per account, the
account-level charging history once, then the per-car modules), and the raw bodies are kept as
they came, envelopes included. Sleeping and offline cars are set online first, as a worker would
wake them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.reports.normalise import ModuleResult
from tests.fixtures.tesla_sim import TeslaSimulator

DEMO_ACCOUNTS = ("solo", "family", "fleet", "na")
GENERATED_AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


@dataclass
class CarInput:
    account: str
    vehicle: dict[str, Any]  # the GET /api/1/vehicles item
    bodies: dict[str, Any]  # module name -> raw JSON body

    @property
    def vin(self) -> str:
        return str(self.vehicle["vin"])

    def modules(self, **overrides: ModuleResult) -> dict[str, ModuleResult]:
        results = {name: ModuleResult.ok(body) for name, body in self.bodies.items()}
        results.update(overrides)
        return results


@dataclass
class DemoData:
    cars: list[CarInput] = field(default_factory=list)
    account_history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def car(self, display_name: str) -> CarInput:
        return next(car for car in self.cars if car.vehicle["display_name"] == display_name)

    def account(self, name: str) -> list[CarInput]:
        return [car for car in self.cars if car.account == name]


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _fetch_account(tesla: TeslaSimulator, account: str, demo: DemoData) -> None:
    region = tesla.accounts()[account]["region"]
    token = str(tesla.login(account)["access_token"])
    vehicles = _ok(tesla.call(token, "/api/1/vehicles", region=region))["response"]
    history: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _ok(
            tesla.call(
                token,
                "/api/1/dx/charging/history",
                region=region,
                params={"pageNo": page, "pageSize": 100},
            )
        )
        history.extend(body["data"])
        if len(history) >= body["totalResults"] or not body["data"]:
            break
        page += 1
    demo.account_history[account] = history
    for vehicle in vehicles:
        tesla.set_vehicle(vehicle["vin"], state="online")
        tag, vin = vehicle["id"], vehicle["vin"]
        bodies = {
            "vehicle_data": _ok(
                tesla.call(token, f"/api/1/vehicles/{tag}/vehicle_data", region=region)
            ),
            # The whole account's history, as Tesla returns it: the report must split it.
            "charging_history": {"data": history, "totalResults": len(history)},
            "recent_alerts": _ok(
                tesla.call(token, f"/api/1/vehicles/{tag}/recent_alerts", region=region)
            ),
            "service_data": _ok(
                tesla.call(token, f"/api/1/vehicles/{tag}/service_data", region=region)
            ),
            "warranty": _ok(
                tesla.call(token, "/api/1/dx/warranty/details", region=region, params={"vin": vin})
            ),
            "release_notes": _ok(
                tesla.call(token, f"/api/1/vehicles/{tag}/release_notes", region=region)
            ),
            "options": _ok(
                tesla.call(token, "/api/1/dx/vehicles/options", region=region, params={"vin": vin})
            ),
            # Specs take our partner token (client_credentials), never the customer's.
            "vehicle_specs": _ok(
                tesla.call(tesla.partner_token(), f"/api/1/vehicles/{vin}/specs", region=region)
            ),
        }
        demo.cars.append(CarInput(account=account, vehicle=vehicle, bodies=bodies))


@pytest.fixture(scope="session")
def demo(tesla_sim: TeslaSimulator) -> DemoData:
    """Raw module bodies of every car of every demo account (fetched once per test run)."""
    tesla_sim.reset()
    data = DemoData()
    try:
        for account in DEMO_ACCOUNTS:
            _fetch_account(tesla_sim, account, data)
    finally:
        tesla_sim.reset()  # leave the shared simulator as other suites expect it
    return data
