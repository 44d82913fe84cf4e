"""``python -m admin``: vouchers, price book and seller identity of one environment.

Runs on an operator's machine with their own Google credentials (``gcloud auth
application-default login``); Firestore's IAM decides what they may change (infra/commerce.tf
grants the admin role to the operator group only). There is no public endpoint. Without
``--project`` it works against the local emulator of ``make up``.

    python -m admin vouchers list
    python -m admin vouchers add DEMO-2026-ABC --type percentage --value 10 --label "10% off" \
        --label "fi=10 % alennus" --max-per-customer 1 --min-vehicles 2
    python -m admin --project cpt-prd pricebook publish prices.json --dry-run

Every change is checked first (clear errors, exit status 2), can be shown without being made
(``--dry-run``), and leaves an audit record: who, what, when, before and after.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

LOCAL_FIRESTORE = "127.0.0.1:8085"  # make up's default Firestore emulator port (dev/up.py)


class AdminError(Exception):
    """A refused command: the message is what the operator reads."""


@dataclass(frozen=True)
class Context:
    settings: Any  # shared.platform.settings.Settings
    operator: str
    dry_run: bool
    deployed: bool  # a real project: the placeholder seller is refused
    out: TextIO


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        context = _context(args, out)
        args.run(context, args)
    except AdminError as error:
        print(f"admin: {error}", file=sys.stderr)
        return 2
    return 0


def _context(args: argparse.Namespace, out: TextIO) -> Context:
    from shared.platform.clients import reset_clients
    from shared.platform.settings import Settings, get_settings

    deployed = args.project is not None
    if deployed:
        if os.environ.get("FIRESTORE_EMULATOR_HOST"):
            raise AdminError("--project given but FIRESTORE_EMULATOR_HOST is set: unset it first")
        os.environ["CPT_PROJECT_ID"] = args.project
    else:
        os.environ.setdefault("FIRESTORE_EMULATOR_HOST", LOCAL_FIRESTORE)
    get_settings.cache_clear()
    reset_clients()
    # The admin tool needs no secrets: read the settings as local, with the chosen project.
    settings = Settings(environment="local", project_id=get_settings().project_id)
    return Context(settings, args.operator or _operator(deployed), args.dry_run, deployed, out)


def _operator(deployed: bool) -> str:
    """Who is acting: the Google account of the credentials, else the local user."""
    if deployed:
        try:
            import google.auth

            credentials, _ = google.auth.default()
            account = getattr(credentials, "service_account_email", None) or getattr(
                credentials, "account", None
            )
            if account:
                return str(account)
        except Exception as error:  # any failure means "no usable credentials"
            raise AdminError(f"no Google credentials: {error}") from error
    return f"{getpass.getuser()}@{socket.gethostname()}"


# ── Vouchers ────────────────────────────────────────────────────────────────────────────────────


def vouchers_list(context: Context, _args: argparse.Namespace) -> None:
    from shared.pricing.book import read_vouchers

    for voucher in read_vouchers(context.settings).values():
        value = voucher.percent_off if voucher.percent_off is not None else voucher.amount_off_cents
        languages = ",".join(language for language, _ in voucher.labels if language != "en")
        print(
            f"{voucher.code:<24} {voucher.type.value:<10} {value!s:<8} "
            f"{'active' if voucher.active else 'inactive':<8} "
            f"until={_text(voucher.valid_until)} max={_text(voucher.max_redemptions)} "
            f"per_customer={_text(voucher.max_per_customer)} "
            f"min_cars={_text(voucher.min_vehicles)} "
            f"v{voucher.version} {voucher.label}" + (f" [+{languages}]" if languages else ""),
            file=context.out,
        )


def vouchers_add(context: Context, args: argparse.Namespace) -> None:
    from shared.pricing.book import put_voucher
    from shared.pricing.vouchers import (
        VoucherFileError,
        code_format_warnings,
        normalize_code,
        parse_vouchers,
        publish_problems,
    )

    code = normalize_code(args.code)
    if code is None:
        raise AdminError(f"{args.code!r} cannot be a voucher code (A–Z, 0–9, '-', '_')")
    entry = _voucher_entry(args)
    try:
        voucher = parse_vouchers({code: entry}, source="vouchers add")[code]
    except VoucherFileError as error:
        raise AdminError(str(error)) from None
    problems = publish_problems(voucher)
    if problems:
        raise AdminError("; ".join(problems))
    for warning in code_format_warnings(code):
        print(f"warning: {warning}", file=sys.stderr)
    _change(
        context,
        f"vouchers add {code}",
        before=_stored_voucher(context, code),
        after=entry,
        write=lambda: put_voucher(context.settings, code, entry, by=context.operator),
    )


def _voucher_entry(args: argparse.Namespace) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": args.type, "active": not args.inactive}
    if args.value is not None:
        try:
            entry["value"] = int(args.value) if args.type == "fixed" else Decimal(args.value)
        except (ValueError, ArithmeticError):
            raise AdminError(f"--value {args.value!r} is not a number") from None
    labels = _labels(args.label or [])
    optional = {
        "label": labels.pop("en", None),
        "labels": labels or None,
        "valid_from": args.valid_from,
        "valid_until": args.valid_until,
        "max_redemptions": args.max_redemptions,
        "max_per_customer": args.max_per_customer,
        "min_vehicles": args.min_vehicles,
        "packages": args.packages.split(",") if args.packages else None,
    }
    entry.update({name: value for name, value in optional.items() if value is not None})
    return entry


def _labels(given: list[str]) -> dict[str, str]:
    """``--label TEXT`` (English) and ``--label fi=TEXT``, repeated: {language: text}."""
    from shared.product.languages import SUPPORTED_LANGUAGES

    labels: dict[str, str] = {}
    for raw in given:
        language, separator, text = raw.partition("=")
        if not separator or language not in SUPPORTED_LANGUAGES:
            language, text = "en", raw  # no language prefix: the English label
        if language in labels:
            raise AdminError(f"--label given twice for {language!r}")
        labels[language] = text
    return labels


def vouchers_deactivate(context: Context, args: argparse.Namespace) -> None:
    from shared.pricing.book import put_voucher

    code = args.code.strip().upper()
    before = _stored_voucher(context, code)
    if before is None:
        raise AdminError(f"no voucher {code}")
    after = {**before, "active": False}
    _change(
        context,
        f"vouchers deactivate {code}",
        before=before,
        after=after,
        write=lambda: put_voucher(context.settings, code, after, by=context.operator),
    )


def vouchers_report(context: Context, _args: argparse.Namespace) -> None:
    """Per code: paid orders that used it, uses left, and the revenue given away (the discounts
    of those orders, VAT included, as recorded with each redemption at payment)."""
    from shared.pricing.book import read_price_book, read_vouchers
    from shared.pricing.money import format_money
    from shared.pricing.redemptions import redemption_reference

    book = read_price_book(context.settings)
    currency = book.currency if book is not None else context.settings.currency
    header = f"{'code':<24} {'used':>6} {'left':>6} {'given away (cents)':>20}  given away"
    print(header, file=context.out)
    total = 0
    for code, voucher in read_vouchers(context.settings).items():
        snapshot = redemption_reference(context.settings, code).get()
        data = (snapshot.to_dict() or {}) if snapshot.exists else {}
        used = int(data.get("count", 0))
        left = "∞" if voucher.max_redemptions is None else max(voucher.max_redemptions - used, 0)
        given = int(data.get("discount_cents", 0))
        total += given
        print(
            f"{code:<24} {used:>6} {left!s:>6} {given:>20}  {format_money(given, currency)}",
            file=context.out,
        )
    print(f"{'total':<38} {total:>20}  {format_money(total, currency)}", file=context.out)


def _stored_voucher(context: Context, code: str) -> dict[str, Any] | None:
    from shared.pricing.book import voucher_ref

    snapshot = voucher_ref(context.settings, code).get()
    if not snapshot.exists:
        return None
    data = snapshot.to_dict() or {}
    return {k: v for k, v in data.items() if k not in ("version", "updated_at", "updated_by")}


# ── Price book ──────────────────────────────────────────────────────────────────────────────────


def pricebook_show(context: Context, _args: argparse.Namespace) -> None:
    from shared.pricing.book import read_price_book

    book = read_price_book(context.settings)
    if book is None:
        raise AdminError("no price book published in this environment")
    shown = {"version": book.version, **book.to_data()}
    print(json.dumps(shown, indent=2, default=str), file=context.out)


def pricebook_publish(context: Context, args: argparse.Namespace) -> None:
    from shared.pricing.book import publish_price_book, read_price_book
    from shared.pricing.tiers import PriceBookError, price_book_from_data

    try:
        book = price_book_from_data(_read_json(args.file), version=0)
    except PriceBookError as error:
        raise AdminError(str(error)) from None
    previous = read_price_book(context.settings)
    if (
        previous is not None
        and previous.vat_rate_percent != book.vat_rate_percent
        and not args.allow_vat_change
    ):
        raise AdminError(
            f"VAT rate changes from {previous.vat_rate_percent} to {book.vat_rate_percent}: "
            "pass --allow-vat-change if that is intended"
        )
    _change(
        context,
        "pricebook publish",
        before=None if previous is None else previous.to_data(),
        after=book.to_data(),
        write=lambda: publish_price_book(context.settings, book, by=context.operator),
    )


# ── Seller ──────────────────────────────────────────────────────────────────────────────────────


def seller_show(context: Context, _args: argparse.Namespace) -> None:
    from shared.pricing.book import read_seller_data

    data = read_seller_data(context.settings)
    if data is None:
        raise AdminError("no seller identity in this environment")
    print(json.dumps(data, indent=2, default=str), file=context.out)


def seller_set(context: Context, args: argparse.Namespace) -> None:
    from shared.pricing.book import is_placeholder_seller, read_seller_data, set_seller
    from shared.receipts.seller import SellerConfigError, parse_seller, seller_data

    try:
        data = seller_data(parse_seller(_read_json(args.file)))
    except SellerConfigError as error:
        raise AdminError(str(error)) from None
    if context.deployed and is_placeholder_seller(data):
        raise AdminError("these are the placeholder seller details: refused outside local")
    _change(
        context,
        "seller set",
        before=read_seller_data(context.settings),
        after=data,
        write=lambda: set_seller(context.settings, data, by=context.operator),
    )


# ── Plumbing ────────────────────────────────────────────────────────────────────────────────────


def _change(
    context: Context, what: str, *, before: Any, after: Any, write: Callable[[], int]
) -> None:
    """Show the change; unless a dry run, make it and record who made it."""
    from shared.pricing.book import audit, clear_commerce_cache

    shown = json.dumps({"before": before, "after": after}, indent=2, default=str, sort_keys=True)
    if context.dry_run:
        print(f"dry run, nothing written: {what}\n{shown}", file=context.out)
        return
    version = write()
    clear_commerce_cache()  # this process (tests); other instances see it within their cache time
    audit(
        context.settings,
        who=context.operator,
        what=what,
        before=json.loads(json.dumps(before, default=str)),
        after=json.loads(json.dumps(after, default=str)),
    )
    print(f"{what}: version {version}, by {context.operator}", file=context.out)


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AdminError(f"cannot read {path}: {error}") from None


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m admin", description=__doc__.split("\n")[0])
    parser.add_argument("--project", help="the Google Cloud project (default: local emulator)")
    parser.add_argument("--dry-run", action="store_true", help="show the change, write nothing")
    parser.add_argument("--operator", help="who acts (default: the credentials' account)")
    areas = parser.add_subparsers(required=True, dest="area")
    _voucher_commands(areas.add_parser("vouchers").add_subparsers(required=True, dest="command"))
    pricebook = areas.add_parser("pricebook").add_subparsers(required=True, dest="command")
    pricebook.add_parser("show").set_defaults(run=pricebook_show)
    publish = pricebook.add_parser("publish", help="publish a price book JSON file")
    publish.add_argument("file")
    publish.add_argument("--allow-vat-change", action="store_true")
    publish.set_defaults(run=pricebook_publish)
    seller = areas.add_parser("seller").add_subparsers(required=True, dest="command")
    seller.add_parser("show").set_defaults(run=seller_show)
    set_parser = seller.add_parser("set", help="set the seller identity from a JSON file")
    set_parser.add_argument("file")
    set_parser.set_defaults(run=seller_set)
    return parser


def _voucher_commands(commands: Any) -> None:
    commands.add_parser("list").set_defaults(run=vouchers_list)
    commands.add_parser("report", help="used, left, given away").set_defaults(run=vouchers_report)
    add = commands.add_parser("add", help="create or replace a voucher")
    add.add_argument("code")
    add.add_argument("--type", required=True, choices=("percentage", "fixed", "free"))
    add.add_argument("--value", help="percent (percentage) or cents (fixed)")
    add.add_argument(
        "--label",
        action="append",
        metavar="[LANG=]TEXT",
        help="the label; repeat as LANG=TEXT per language (fi=…); no LANG: English",
    )
    add.add_argument("--max-redemptions", type=int)
    add.add_argument("--max-per-customer", type=int, help="uses per customer (car account)")
    add.add_argument("--min-vehicles", type=int, help="cars the order must hold")
    add.add_argument("--valid-from", help="ISO 8601 with offset, e.g. 2026-03-01T00:00:00Z")
    add.add_argument("--valid-until", help="ISO 8601 with offset")
    add.add_argument("--packages", help="comma-separated: basic,pro,expert")
    add.add_argument("--inactive", action="store_true")
    add.set_defaults(run=vouchers_add)
    deactivate = commands.add_parser("deactivate")
    deactivate.add_argument("code")
    deactivate.set_defaults(run=vouchers_deactivate)
