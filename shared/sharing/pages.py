"""The public verification pages: server-rendered HTML, no script, no external resource.

Localised in the nine report languages (``?lang=`` first, then ``Accept-Language``); wording
in ``i18n.json`` beside this module, module/outcome/package names from the report's own
catalogues. Every page is ``noindex``, never cached by anyone (``no-store, private``), sends no
referrer and carries a strict Content-Security-Policy. Nothing on a page names the owner, the
order session or the share token beyond the link the reader already opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from werkzeug.wrappers import Response

from shared.delivery.issued import IssuedReport
from shared.platform.templating import html_templates
from shared.product.languages import SUPPORTED_LANGUAGES, ReportLanguage
from shared.reports.localisation import catalogue, locale_for, resolve_language

_HERE = Path(__file__).resolve().parent

PAGE_HEADERS = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Vary": "Accept-Language",
}


@dataclass(frozen=True)
class Links:
    """Where a page's links point (paths below the API's public root)."""

    keys_href: str
    upload_href: str | None = None
    pdf_href: str | None = None
    document_href: str | None = None


def choose_language(query_lang: str | None, accept_language: str | None) -> ReportLanguage:
    """Pure: ``?lang=`` if supported, else the best supported ``Accept-Language`` entry."""
    if query_lang and resolve_language(query_lang) == query_lang.split("-")[0].lower():
        return resolve_language(query_lang)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in SUPPORTED_LANGUAGES or primary in ("nb", "nn"):
            return resolve_language(tag)
    return "en"


@cache
def words(language: str) -> dict[str, str]:
    all_languages: dict[str, dict[str, str]] = json.loads(
        (_HERE / "i18n.json").read_text(encoding="utf-8")
    )
    return {**all_languages["en"], **all_languages.get(language, {})}


def report_view(
    issued: IssuedReport,
    stored: dict[str, Any] | None,
    language: ReportLanguage,
    *,
    signature_valid: bool,
) -> dict[str, Any]:
    """Pure: what the share and document pages show of a report."""
    labels = catalogue(language)
    locale = _locale(language, stored)
    car_line = " ".join(str(p) for p in (issued.model_year, issued.model) if p) or "Tesla"
    return {
        "car_line": car_line,
        "vin": issued.vin_masked,
        "report_date": _date(issued.generated_at, locale),
        "package": labels.get(f"package_{issued.package}", issued.package),
        "report_status": labels.get(f"status_{issued.report_status}", issued.report_status),
        "order_reference": issued.order_id,
        "modules": [
            (
                labels.get(f"module_{module}", module),
                labels.get(f"outcome_{outcome}", outcome),
                outcome,
            )
            for module, outcome in issued.modules.items()
            if outcome != "missing"
        ],
        "battery": battery_summary(stored, language, locale),
        "content_sha256": issued.content_sha256,
        "key_id": issued.key_id,
        "signature_valid": signature_valid,
    }


def battery_summary(
    stored: dict[str, Any] | None, language: ReportLanguage, locale: str
) -> list[tuple[str, str]]:
    """Pure: the battery figures of the stored report that are there (none: an empty list)."""
    if not stored:
        return []
    from babel.numbers import format_decimal

    t = words(language)
    battery = stored.get("battery") or {}
    health = battery.get("health") or {}

    def number(value: Any, decimals: int = 0) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        return str(format_decimal(round(float(value), decimals), locale=locale))

    def quantity(value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        shown = number(value.get("value"))
        return f"{shown} {value.get('unit', '')}".strip() if shown is not None else None

    rows = [
        (t["battery_health"], _suffix(number(health.get("health_pct")), " %")),
        (
            t["usable_capacity"],
            _suffix(number(health.get("estimated_usable_capacity_kwh"), 1), " kWh"),
        ),
        (t["full_charge_range"], quantity(health.get("full_charge_range"))),
        (t["battery_level"], _suffix(number(battery.get("battery_level_pct")), " %")),
        (t["odometer"], quantity(stored.get("odometer"))),
    ]
    return [(label, value) for label, value in rows if value is not None]


def _suffix(value: str | None, suffix: str) -> str | None:
    return None if value is None else value + suffix


def _locale(language: ReportLanguage, stored: dict[str, Any] | None) -> str:
    region = (stored or {}).get("region_context") or {}
    return locale_for(language, "mi" if region.get("distance_unit") == "mi" else "km")


def _date(value: datetime, locale: str) -> str:
    from babel.dates import format_date

    return str(format_date(value.date(), format="long", locale=locale))


def date_text(value: datetime, language: ReportLanguage) -> str:
    return _date(value, locale_for(language, "km"))


@cache
def _environment() -> Environment:
    return html_templates(_HERE / "templates")


def render(mode: str, language: ReportLanguage, links: Links, **context: Any) -> str:
    """Pure: one page as HTML. ``mode``: share, document, result, closed, unknown, busy."""
    t = words(language)
    defaults: dict[str, Any] = {
        "heading": t["page_title"],
        "message": "",
        "expires": None,
        "battery": [],
        "issued": False,
    }
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            **{**defaults, **context},
            mode=mode,
            lang=language,
            t=_Words(t),
            keys_href=links.keys_href,
            upload_href=links.upload_href,
            pdf_href=links.pdf_href,
            document_href=links.document_href,
        )
    )


class _Words(dict[str, str]):
    """Attribute access in the template (``t.car``); a missing key fails loudly."""

    def __getattr__(self, name: str) -> str:
        return self[name]


def page_response(html: str, status: int, language: ReportLanguage) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    response.headers["Content-Language"] = language
    return response
