"""Day 130 of a delivered order, by the rules Terraform gives the bucket and Firestore.

Cloud Storage lifecycle rules and Firestore TTL cannot be run locally, so the rules are read
from the Terraform (as the HCL states them) and applied to the object names the code writes:
at day 130 (past the reports' retention, inside the dispute window) the receipt, order.json,
delivery record and ledger record exist; the reports and the charging history are gone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.delivery.report_store import report_paths
from shared.delivery.rerender import language_pdf_path
from shared.orders.manifests import manifest_path, receipt_path
from shared.orders.order_state import SessionStatus
from shared.payments import ledger
from shared.platform.settings import Settings
from shared.product.languages import SUPPORTED_LANGUAGES
from tests.infra.hcl import load_infra

STATE = load_infra()
ORDER = "ord_0123456789abcdef01234567"
# What the HCL expression in infra/storage.tf evaluates to (asserted textually below).
PERSONAL_SUFFIXES = [
    *(f"{d}.{ext}" for d in range(10) for ext in ("json", "pdf")),
    *(f".{language}.pdf" for language in SUPPORTED_LANGUAGES),
    "charging_history.json",
]


def _deleted(name: str, age_days: int) -> bool:
    """Cloud Storage semantics: a Delete rule applies when every condition holds."""
    bucket = STATE.resource("google_storage_bucket", "reports")
    for rule in bucket["lifecycle_rule"]:
        if rule["action"][0]["type"] != "Delete":
            continue
        condition = rule["condition"][0]
        age = STATE.default(condition["age"].removeprefix("${var.").removesuffix("}"))
        suffixes = PERSONAL_SUFFIXES if "matches_suffix" in condition else None
        if age_days >= age and (suffixes is None or name.endswith(tuple(suffixes))):
            return True
    return False


def test_the_suffixes_are_those_of_the_hcl() -> None:
    assert STATE.locals["personal_data_suffixes"] == (
        '${concat(flatten([for digit in range(10) : ["${digit}.json", "${digit}.pdf"]]), '
        '[for lang in ["da", "de", "en", "es", "fi", "fr", "it", "no", "sv"] : ".${lang}.pdf"], '
        '["charging_history.json"])}'
    )


def test_day_130_keeps_bookkeeping_and_drops_personal_data() -> None:
    kept = [manifest_path(ORDER), receipt_path(ORDER), f"{ORDER}/delivery.json"]
    gone = [
        *report_paths(ORDER, 3744180002000017),
        *report_paths(ORDER, 3744180002000017, generation=2),
        f"{ORDER}/charging_history.json",
        *(language_pdf_path(report_paths(ORDER, 17)[0], lang) for lang in SUPPORTED_LANGUAGES),
    ]
    assert not any(_deleted(name, 130) for name in kept)
    assert all(_deleted(name, 130) for name in gone)
    assert not any(_deleted(name, 89) for name in gone)  # the default 90 days
    six_years = 6 * 365 + 2
    assert all(_deleted(name, STATE.default("bookkeeping_retention_days")) for name in kept)
    assert not any(_deleted(name, six_years - 1) for name in kept)


def test_the_ledger_record_outlives_day_130() -> None:

    settings = Settings()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = ledger.mirrored_fields(settings, _paid_session(now))["expires_at"]
    assert expires > now + timedelta(days=130)
    assert expires >= now + timedelta(days=6 * 365)


def _paid_session(now: datetime):
    from shared.orders.sessions import OrderSession

    return OrderSession(
        session_key="k" * 64,
        order_id=ORDER,
        brand="tesla",
        status=SessionStatus.COMPLETE,
        created_at=now,
        updated_at=now,
        expires_at=now,
        region="eu",
        tokens=None,
        vehicles=[],
    )
