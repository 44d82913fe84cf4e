"""``python -m admin`` against the Firestore emulator: vouchers, price book, seller, audit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from admin.cli import main
from shared.platform.settings import get_settings
from shared.pricing.book import read_price_book, read_seller_data, read_vouchers
from shared.pricing.tiers import DEFAULT_PRICE_BOOK
from tests.payments.conftest import PAID_OR_LATER


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def _audit(firestore_db) -> list[dict]:
    return [d.to_dict() for d in firestore_db.collection("commerce_audit").stream()]


def test_a_voucher_with_one_use_is_accepted_once(order, firestore_db):
    status, _ = run(
        "--operator", "ops@example.test", "vouchers", "add", "ONCE-ONLY-2026",
        "--type", "free", "--label", "One free order",
        "--max-redemptions", "1", "--valid-until", "2099-01-01T00:00:00Z",
    )  # fmt: skip
    assert status == 0
    order.ready(voucher="once-only-2026")  # codes are case-insensitive
    paid = order.create_intent()
    assert paid.json["status"] == "paid", paid.json

    order.ready()
    second = order.gateway.post(
        "/api/v1/pricing/quote",
        json={"session_id": order.session_id, "voucher_code": "ONCE-ONLY-2026"},
    )
    assert second.status_code == 422 and second.json["error"]["code"] == "voucher_not_valid"

    status, report = run("vouchers", "report")
    row = next(line.split() for line in report.splitlines() if line.startswith("ONCE-ONLY-2026"))
    assert row[1:3] == ["1", "0"]  # used, left
    [record] = _audit(firestore_db)
    assert record["who"] == "ops@example.test" and record["what"] == "vouchers add ONCE-ONLY-2026"
    assert record["when"] is not None and record["before"] is None


def test_publishing_guards_refuse_with_a_reason(firestore_db, app_env, capsys):
    unlimited_free = ("vouchers", "add", "FREE-FOREVER", "--type", "free", "--label", "x")
    assert run(*unlimited_free)[0] == 2
    assert "needs max_redemptions" in capsys.readouterr().err
    full_percent = ("vouchers", "add", "ALL-OFF-2026", "--type", "percentage", "--value", "100")
    assert run(*full_percent, "--label", "x", "--max-redemptions", "5")[0] == 2
    assert "needs valid_until" in capsys.readouterr().err
    assert run("vouchers", "add", "ab", "--type", "fixed", "--value", "100", "--label", "x")[0] == 0
    assert "shorter than 8" in capsys.readouterr().err  # a warning, not a refusal
    assert read_vouchers(get_settings())["AB"].amount_off_cents == 100


def test_dry_run_writes_nothing(firestore_db, app_env):
    status, out = run("--dry-run", "vouchers", "add", "DRY-RUN-2026", "--type", "fixed",
                      "--value", "500", "--label", "x")  # fmt: skip
    assert status == 0 and "dry run" in out
    assert len(read_vouchers(get_settings())) == 0 and _audit(firestore_db) == []


def _book_file(tmp_path: Path, **changes) -> str:
    data = {**DEFAULT_PRICE_BOOK.to_data(), **changes}
    path = tmp_path / "book.json"
    path.write_text(json.dumps(data, default=str))
    return str(path)


def test_price_book_publish_guards_and_versions(firestore_db, app_env, tmp_path, capsys):
    assert run("pricebook", "publish", _book_file(tmp_path))[0] == 0
    falling = DEFAULT_PRICE_BOOK.to_data()["prices_cents"] | {"pro": [1999, 999, 4999, 7999]}
    assert run("pricebook", "publish", _book_file(tmp_path, prices_cents=falling))[0] == 2
    assert "must not fall" in capsys.readouterr().err
    assert run("pricebook", "publish", _book_file(tmp_path, vat_rate_percent="24"))[0] == 2
    assert "--allow-vat-change" in capsys.readouterr().err
    publish = ("pricebook", "publish", _book_file(tmp_path, vat_rate_percent="24"))
    assert run(*publish, "--allow-vat-change")[0] == 0
    book = read_price_book(get_settings())
    assert book is not None and book.version == 2 and str(book.vat_rate_percent) == "24"


def test_a_new_price_changes_new_quotes_not_stored_ones(order, firestore_db, tmp_path):
    order.ready(account="solo", package="pro")
    first = order.session().quote
    assert first is not None and first.tier_price_cents == 1999
    prices = DEFAULT_PRICE_BOOK.to_data()["prices_cents"] | {"pro": [2222, 2999, 4999, 7999]}
    assert run("pricebook", "publish", _book_file(tmp_path, prices_cents=prices))[0] == 0
    stored = order.session().quote
    assert stored is not None and stored.tier_price_cents == 1999  # as quoted
    assert order.quote()["tier_price_cents"] == 2222  # a new quote uses the new book


def test_seller_set_and_show(firestore_db, app_env, tmp_path, capsys):
    seller = {
        "name": "Operator Test Oy",
        "business_id": "7654321-0",
        "vat_number": "FI76543210",
        "address_lines": ["Katu 2", "00200 Helsinki"],
        "email": "billing@example.test",
    }
    path = tmp_path / "seller.json"
    path.write_text(json.dumps(seller))
    assert run("seller", "set", str(path))[0] == 0
    stored = read_seller_data(get_settings())
    assert stored is not None and stored["name"] == "Operator Test Oy" and stored["version"] == 1
    status, out = run("seller", "show")
    assert status == 0 and "Operator Test Oy" in out


@pytest.mark.parametrize("missing", ["{", '{"name": ""}'])
def test_bad_seller_input_is_refused(missing, firestore_db, app_env, tmp_path, capsys):
    path = tmp_path / "seller.json"
    path.write_text(missing)
    assert run("seller", "set", str(path))[0] == 2
    assert capsys.readouterr().err.startswith("admin: ")


def test_report_shows_uses_revenue_given_away_and_uses_left(order, firestore_db):
    add = ("vouchers", "add", "HALF-OFF-2026", "--type", "percentage", "--value", "50")
    assert run(*add, "--label", "Half off", "--max-redemptions", "3")[0] == 0
    assert run("vouchers", "add", "UNUSED-2026", "--type", "fixed", "--value", "100")[0] == 0
    for account in ("solo", "family"):  # Pro: 19.99 € for one car, 29.99 € for two
        order.ready(account=account, voucher="HALF-OFF-2026")
        intent = order.create_intent().json["stripe"]["payment_intent_id"]
        assert order.pay_with_card(intent)["status"] == "succeeded"
        order.wait_for(lambda s: s.status.value in PAID_OR_LATER, 20)

    status, report = run("vouchers", "report")
    assert status == 0
    rows = {line.split()[0]: line.split() for line in report.splitlines()[1:]}
    # used, left, given away in cents and as money: 1000 (50 % of 1999, half up) + 1500.
    assert rows["HALF-OFF-2026"][1:5] == ["2", "1", "2500", "€25.00"]
    assert rows["UNUSED-2026"][1:5] == ["0", "∞", "0", "€0.00"]
    assert rows["total"][1:3] == ["2500", "€25.00"]


def test_labels_per_language_and_order_terms(firestore_db, app_env, capsys):
    status, _ = run(
        "vouchers", "add", "WELCOME-2026", "--type", "percentage", "--value", "10",
        "--label", "Welcome (10% off)", "--label", "fi=Tervetuloa (10 % alennus)",
        "--label", "sv=Välkommen", "--max-per-customer", "1", "--min-vehicles", "2",
    )  # fmt: skip
    assert status == 0
    voucher = read_vouchers(get_settings())["WELCOME-2026"]
    assert voucher.label_in("fi") == "Tervetuloa (10 % alennus)"
    assert voucher.label_in("de") == "Welcome (10% off)"
    assert voucher.max_per_customer == 1 and voucher.min_vehicles == 2
    listed = run("vouchers", "list")[1]
    assert "per_customer=1 min_cars=2" in listed and "[+fi,sv]" in listed

    # No label at all: the code stands in. An unknown language prefix is part of the text.
    assert run("vouchers", "add", "NO-LABEL-2026", "--type", "fixed", "--value", "100")[0] == 0
    assert read_vouchers(get_settings())["NO-LABEL-2026"].label_in("fi") == "NO-LABEL-2026"
    twice = ("--label", "fi=Yksi", "--label", "fi=Kaksi")
    assert run("vouchers", "add", "TWICE-2026", "--type", "fixed", "--value", "1", *twice)[0] == 2
    assert "--label given twice for 'fi'" in capsys.readouterr().err
    bad = ("vouchers", "add", "ZERO-CARS-2026", "--type", "fixed", "--value", "1")
    assert run(*bad, "--min-vehicles", "0")[0] == 2
    assert "min_vehicles: must be a whole number ≥ 1" in capsys.readouterr().err


def test_code_alphabet_warning(firestore_db, app_env, capsys):
    # "_" and lower-case input are accepted (case-insensitive), but "_" is outside the
    # documented alphabet: a warning, and the voucher is stored.
    add = ("vouchers", "add", "summer_sale_2026", "--type", "fixed", "--value", "100")
    assert run(*add)[0] == 0
    assert "outside the alphabet" in capsys.readouterr().err
    assert "SUMMER_SALE_2026" in read_vouchers(get_settings())
    assert run("vouchers", "add", "GOOD-CODE-2026", "--type", "fixed", "--value", "100")[0] == 0
    assert "warning" not in capsys.readouterr().err
