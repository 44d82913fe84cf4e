"""All mutable simulator state behind one lock: vehicles, tokens, faults, ledger and the clock."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from simulators.clock import SimulatedClock

from .config import SimulatorConfig
from .demo_data import (
    AccountSpec,
    VehicleSpec,
    build_accounts,
    build_charging_sessions,
    build_recent_alerts,
)
from .faults import FaultInjector
from .ledger import Ledger
from .rate_limits import RateLimiter


@dataclass
class VehicleRuntime:
    spec: VehicleSpec
    account: str
    state: str
    in_service: bool
    wake_ready_at: float | None = None
    last_active_at: float = 0.0
    wake_delay_override: float | None = None

    def refresh_state(self, now: float, auto_sleep_after: float | None) -> str:
        """Apply pending transitions lazily: a wake completing, or an idle car dozing off."""
        if self.wake_ready_at is not None and now >= self.wake_ready_at and self.state == "asleep":
            self.state = "online"
            self.wake_ready_at = None
            self.last_active_at = now
        if (
            auto_sleep_after is not None
            and self.state == "online"
            and self.wake_ready_at is None
            and now - self.last_active_at >= auto_sleep_after
        ):
            self.state = "asleep"
        return self.state


@dataclass
class AuthCode:
    code: str
    account: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    audience_region: str
    expires_at: float
    used: bool = False


@dataclass
class RefreshTokenRecord:
    token: str
    account: str
    client_id: str
    scopes: list[str]
    audience_region: str
    issued_at: float
    expires_at: float
    used_at: float | None = None
    revoked: bool = False


@dataclass
class AccessTokenRecord:
    jti: str
    account: str | None  # None for partner (client_credentials) tokens
    client_id: str
    scopes: list[str]
    expires_at: float
    # The refresh token minted in the same response: Tesla's 2024 policy kills these access
    # tokens once that refresh token is exchanged (optional, see revoke_access_tokens_on_refresh).
    paired_refresh_token: str | None = None
    revoked: bool = False


@dataclass
class AutoConsent:
    account: str
    approve: bool
    scopes: list[str] | None
    once: bool


@dataclass
class SimulatorState:
    config: SimulatorConfig
    settings: SimulatorConfig = field(init=False)
    clock: SimulatedClock = field(init=False)
    ledger: Ledger = field(default_factory=Ledger)
    faults: FaultInjector = field(default_factory=FaultInjector)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    accounts: dict[str, AccountSpec] = field(init=False)
    charging_sessions: dict[str, list[dict[str, Any]]] = field(init=False)
    recent_alerts: dict[str, list[dict[str, Any]]] = field(init=False)
    account_regions: dict[str, str] = field(default_factory=dict)
    vehicles: dict[str, VehicleRuntime] = field(default_factory=dict)  # by VIN
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    access_tokens: dict[str, AccessTokenRecord] = field(default_factory=dict)
    auto_consent: AutoConsent | None = None

    def __post_init__(self) -> None:
        self.clock = SimulatedClock(frozen=self.config.freeze_clock)
        # History is static: build it once, reuse it across resets.
        seed, anchor = self.config.data_seed, self.config.data_anchor
        self.accounts = build_accounts(seed, anchor)
        self.charging_sessions = {
            name: build_charging_sessions(seed, anchor, account)
            for name, account in self.accounts.items()
        }
        self.recent_alerts = {
            vehicle.vin: build_recent_alerts(seed, anchor, vehicle)
            for account in self.accounts.values()
            for vehicle in account.vehicles
        }
        self.reset()

    def reset(self) -> None:
        """Back to the state create_app() made: cars, tokens, faults, ledger, clock, settings."""
        with self.lock:
            self.settings = copy.deepcopy(self.config)
            self.clock.reset(frozen=self.config.freeze_clock)
            now = self.clock.now()
            self.ledger.reset()
            self.faults.clear()
            self.limiter.reset()
            self.account_regions = {name: spec.region for name, spec in self.accounts.items()}
            self.vehicles = {
                vehicle.vin: VehicleRuntime(
                    spec=vehicle,
                    account=name,
                    state=vehicle.initial_state,
                    in_service=vehicle.in_service,
                    last_active_at=now,
                )
                for name, spec in self.accounts.items()
                for vehicle in spec.vehicles
            }
            self.auth_codes.clear()
            self.refresh_tokens.clear()
            self.access_tokens.clear()
            self.auto_consent = None

    def find_vehicle(self, tag: str) -> VehicleRuntime | None:
        """Resolve a vehicle_tag the way Tesla does: the integer id or the VIN (not vehicle_id)."""
        by_vin = self.vehicles.get(tag.upper())
        if by_vin is not None:
            return by_vin
        return next((v for v in self.vehicles.values() if str(v.spec.id) == tag), None)

    def vehicle_state(self, vehicle: VehicleRuntime) -> str:
        return vehicle.refresh_state(self.clock.now(), self.settings.auto_sleep_after_seconds)

    def account_vehicles(self, account: str) -> list[VehicleRuntime]:
        return [v for v in self.vehicles.values() if v.account == account]
