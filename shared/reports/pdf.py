"""One car's report as a localised A4 PDF: Jinja2 HTML → WeasyPrint, numbers and dates by Babel.

``render_html`` turns a ``VehicleReport`` into HTML; ``render_pdf`` prints that HTML. All wording
comes from the ``i18n`` catalogues, every number, date and amount is formatted for the report's
locale, and charts are inline SVG (real text, no images). WeasyPrint is imported inside
``render_pdf`` only: functions that never render must not pay for it on a cold start.

The layout is built as plain data first (``Section`` → blocks) and the template only lays it out,
so the template holds no formatting logic and no Tesla knowledge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, get_minus_sign_symbol
from jinja2 import Environment
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from shared.platform.templating import html_templates
from shared.product.catalog import Package, TeslaModule

from . import charts
from .localisation import catalogue, locale_for, resolve_language
from .model import (
    BatteryAndCharging,
    BatteryHealth,
    ChargingHistory,
    Inconsistency,
    ModuleOutcome,
    ModuleStatus,
    Money,
    Quantity,
    ReportStatus,
    TyrePosition,
    VehicleReport,
)

if TYPE_CHECKING:
    from .proof import PrintedProof

__all__ = ["OrderSummary", "render_html", "render_pdf"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


class OrderSummary(BaseModel):
    """The order a report belongs to, as printed on the cover."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str = Field(description="Public order reference (never the session id: a bearer).")
    package: Package
    ordered_at: datetime
    vehicle_count: int = Field(ge=1)


def render_pdf(
    report: VehicleReport,
    *,
    order: OrderSummary,
    language: str,
    proof: PrintedProof | None = None,
) -> bytes:
    """The report as PDF bytes (A4, selectable text, embedded DejaVu fonts, no network).

    ``proof``: the signed digest and verification address printed at the end (issue 16)."""
    from shared.platform.pdf_render import write_pdf

    html = render_html(report, order=order, language=language)
    if proof is not None:  # the proof block: shared/reports/proof.py (owned with issue 16)
        from .proof import proof_html

        html = html.replace("</body>", proof_html(proof, language) + "</body>", 1)
    return write_pdf(html, stamped_at=report.generated_at)


def render_html(report: VehicleReport, *, order: OrderSummary, language: str) -> str:
    """The report as a self-contained HTML document in ``language`` (English if unknown)."""
    language = resolve_language(language)
    fmt = _Formatter(
        language=language,
        locale=locale_for(language, report.region_context.distance_unit),
        uses_24_hour_time=report.region_context.uses_24_hour_time,
    )
    context = _document(report, order, fmt)
    return _environment().get_template("report.html.j2").render(**context)


def _css_string(value: str) -> Markup:
    """A quoted CSS string for ``@page`` content: the car's name is user input, and inside
    <style> HTML escaping does not apply, so quotes, backslashes and markup characters become
    CSS hex escapes."""
    escaped = "".join(
        f"\\{ord(char):X} " if char in "\\\"'<>&" or ord(char) < 32 else char for char in value
    )
    return Markup(f'"{escaped}"')  # noqa: S704  # every special character is escaped above


@cache
def _environment() -> Environment:
    environment = html_templates(_TEMPLATES)
    environment.filters["css_string"] = _css_string
    return environment


# ------------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------------

_UNIT_SYMBOLS = {"C": "°C", "F": "°F"}
_UNIT_DECIMALS = {
    "km": 0,
    "mi": 0,
    "C": 1,
    "F": 0,
    "bar": 2,
    "psi": 1,
    "kPa": 0,
    "km/h": 0,
    "mph": 0,
    "Wh/km": 0,
    "Wh/mi": 0,
}


def _time_pattern(fmt: _Formatter) -> str:
    """The locale's own clock: a reader in Finland or Germany reads 24-hour time whatever the
    car's 12-hour setting. Only where the locale itself counts 12 hours (US English) does the
    car's 24-hour setting win."""
    pattern = Locale.parse(fmt.locale).time_formats["short"].pattern
    twelve_hour = "h" in pattern or "K" in pattern
    return "HH:mm" if twelve_hour and fmt.uses_24_hour_time else pattern


_MIN_GROUPING_2 = {"es"}

# A calendar day or a moment. Named outside _Formatter, whose methods ``date`` and ``datetime``
# shadow the types inside the class body.
_Day = date | datetime


@dataclass(frozen=True)
class _Formatter:
    language: str
    locale: str
    uses_24_hour_time: bool

    def t(self, key: str, **values: Any) -> str:
        text = catalogue(self.language).get(key, key)
        return text.format(**values) if values else text

    @property
    def na(self) -> str:
        return self.t("na")

    def number(self, value: float | Decimal | None, decimals: int = 0) -> str:
        if value is None:
            return self.na
        # CLDR groups 4-digit numbers in Spanish only from 10 000 (minimumGroupingDigits 2),
        # which Babel does not apply to an explicit pattern.
        grouping = (
            "#,##0" if self.language not in _MIN_GROUPING_2 or abs(float(value)) >= 10_000 else "0"
        )
        pattern = grouping + ("." + "0" * decimals if decimals else "")
        text = format_decimal(value, format=pattern, locale=self.locale)
        # Babel keeps ASCII "-" for an explicit pattern; Nordic locales write "−" (U+2212).
        return get_minus_sign_symbol(self.locale) + text[1:] if text.startswith("-") else text

    def quantity(self, quantity: Quantity | None) -> str:
        if quantity is None:
            return self.na
        decimals = _UNIT_DECIMALS.get(quantity.unit, 1)
        unit = _UNIT_SYMBOLS.get(quantity.unit, quantity.unit)
        return f"{self.number(quantity.value, decimals)}\u00a0{unit}"

    def unit(self, value: float | Decimal | None, unit: str, decimals: int = 0) -> str:
        return self.na if value is None else f"{self.number(value, decimals)}\u00a0{unit}"

    def percent(self, value: float | None, decimals: int = 0) -> str:
        return self.unit(value, "%", decimals)

    def money(self, money: Money, *, exact: bool = False) -> str:
        # exact: keep every decimal (prices per kWh such as 0.405 €), not the currency's two.
        return format_currency(
            money.amount, money.currency, locale=self.locale, decimal_quantization=not exact
        )

    def money_list(self, amounts: Sequence[Money], *, exact: bool = False) -> str:
        return " + ".join(self.money(money, exact=exact) for money in amounts) or self.na

    def date(self, value: _Day | None) -> str:
        return self.na if value is None else format_date(value, "medium", locale=self.locale)

    def short_date(self, value: _Day | None) -> str:
        return self.na if value is None else format_date(value, "short", locale=self.locale)

    def time(self, value: datetime) -> str:
        # Wall-clock time as Tesla gave it (site-local for sessions): drop the zone first.
        return format_time(value.replace(tzinfo=None), _time_pattern(self), locale=self.locale)

    def datetime(self, value: datetime | None, *, short: bool = False) -> str:
        if value is None:
            return self.na
        day = self.short_date(value) if short else self.date(value)
        # The locale joins date and time its own way ("1.11.2026 9.30", "01.11.2026, 09:30").
        joined = str(Locale.parse(self.locale).datetime_formats["short" if short else "medium"])
        return joined.replace("{1}", day).replace("{0}", self.time(value))

    def month(self, month: str) -> str:
        year, number = month.split("-")
        return format_skeleton("yMMM", date(int(year), int(number), 1), locale=self.locale)

    def yes_no(self, value: bool | None) -> str:
        return self.na if value is None else self.t("yes" if value else "no")

    def on_off(self, value: bool | None) -> str:
        return self.na if value is None else self.t("on" if value else "off")

    def text(self, value: str | None) -> str:
        return self.na if value is None else value

    def enum(self, prefix: str, value: str | None) -> str:
        """Translated Tesla state (``charging_Complete``), else Tesla's own word."""
        if value is None:
            return self.na
        key = f"{prefix}_{value}"
        text = self.t(key)
        return value if text == key else text


# ------------------------------------------------------------------------------------------------
# Layout data handed to the template
# ------------------------------------------------------------------------------------------------

Row = tuple[str, str]


@dataclass
class Grid:
    rows: list[Row]
    title: str | None = None
    kind: Literal["grid"] = "grid"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # right-aligned column indexes
    warn_rows: set[int] = field(default_factory=set)
    title: str | None = None
    kind: Literal["table"] = "table"


@dataclass
class Chart:
    svg: str  # trusted markup: charts.py escapes every text it draws
    caption: str | None = None
    title: str | None = None
    narrow: bool = False
    kind: Literal["chart"] = "chart"


@dataclass
class Tiles:
    tiles: list[Row]
    kind: Literal["tiles"] = "tiles"


@dataclass
class Note:
    text: str
    tone: Literal["info", "warn"] = "info"
    detail: str | None = None
    kind: Literal["note"] = "note"


@dataclass
class Items:
    """A list of titled paragraphs (release notes)."""

    items: list[tuple[str, str, str]]  # title, meta line, body
    kind: Literal["items"] = "items"


Block = Grid | Table | Chart | Tiles | Note | Items


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


def _module_notice(status: ModuleStatus, fmt: _Formatter) -> Note | None:
    if status.outcome == ModuleOutcome.OK:
        return None
    message = "notice_failed" if status.outcome == ModuleOutcome.FAILED else "notice_unavailable"
    return Note(fmt.t(message), tone="warn", detail=status.reason)


def _document(report: VehicleReport, order: OrderSummary, fmt: _Formatter) -> dict[str, Any]:
    identity = report.identity
    car_line = " ".join(
        part
        for part in (
            str(identity.model_year) if identity.model_year else None,
            identity.make,
            identity.model,
        )
        if part
    )
    builders: dict[TeslaModule, Callable[[VehicleReport, _Formatter], list[Section]]] = {
        TeslaModule.VEHICLE_DATA: _vehicle_data_sections,
        TeslaModule.CHARGING_HISTORY: _charging_section,
        TeslaModule.RECENT_ALERTS: _alerts_section,
        TeslaModule.SERVICE_DATA: _service_section,
        TeslaModule.RELEASE_NOTES: _release_notes_section,
        TeslaModule.OPTIONS: _options_section,
        TeslaModule.VEHICLE_SPECS: _specs_section,
    }
    sections: list[Section] = []
    for status in report.modules:
        if status.outcome == ModuleOutcome.MISSING or status.module not in builders:
            continue  # warranty is drawn together with service_data
        sections.extend(builders[status.module](report, fmt))
    sections.append(_about_section(report, fmt))
    return {
        "lang": fmt.language,
        "t": fmt.t,
        "title": f"{fmt.t('report_title')} – {identity.display_name or car_line}",
        "created": report.generated_at.isoformat(timespec="seconds"),
        "header_right": f"{identity.display_name or car_line} · {identity.vin_masked}",
        "footer_left": f"{fmt.t('generated_at')}: {fmt.date(report.generated_at)}",
        "cover": _cover(report, order, fmt, car_line),
        "sections": sections,
    }


def _cover(
    report: VehicleReport, order: OrderSummary, fmt: _Formatter, car_line: str
) -> dict[str, Any]:
    identity, battery = report.identity, report.battery
    subtitle = " · ".join(
        part for part in (car_line, identity.trim, _drivetrain(identity.drivetrain, fmt)) if part
    )
    health = battery.health if battery else None
    capacity = (
        _health_band(health, fmt)
        if health and health.health_pct is not None
        else fmt.unit(health.estimated_usable_capacity_kwh, "kWh", 1)
        if health
        else fmt.na
    )
    tiles: list[Row] = [
        (fmt.t("odometer"), fmt.quantity(report.odometer)),
        (fmt.t("battery_level"), fmt.percent(battery.battery_level_pct) if battery else fmt.na),
        (
            fmt.t("battery_health")
            if health and health.health_pct is not None
            else fmt.t("estimated_capacity"),
            capacity,
        ),
        (fmt.t("software_version"), fmt.text(report.software.version if report.software else None)),
    ]
    generated = report.generated_at
    order_rows: list[Row] = [
        (fmt.t("order_id"), order.order_id),
        (fmt.t("package"), fmt.t(f"package_{order.package}")),
        (fmt.t("ordered_at"), fmt.date(order.ordered_at)),
        (fmt.t("vehicles_in_order"), fmt.number(order.vehicle_count)),
        (fmt.t("generated_at"), f"{fmt.datetime(generated)} UTC"),
        (
            fmt.t("data_as_of"),
            f"{fmt.datetime(report.data_as_of)} UTC" if report.data_as_of else fmt.na,
        ),
    ]
    modules = [
        (
            fmt.t(f"module_{status.module}"),
            fmt.t(f"outcome_{status.outcome.value}"),
            status.outcome.value,
        )
        for status in report.modules
        if status.outcome != ModuleOutcome.MISSING
    ]
    return {
        "car_name": identity.display_name or car_line,
        "subtitle": subtitle,
        "vin": identity.vin_masked,
        "tiles": tiles,
        "order_rows": order_rows,
        "status": report.status.value,
        "status_label": fmt.t(f"status_{report.status.value}"),
        "status_note": fmt.t("status_partial_note")
        if report.status != ReportStatus.COMPLETE
        else None,
        "modules": modules,
    }


def _drivetrain(value: str | None, fmt: _Formatter) -> str | None:
    return fmt.t(f"drivetrain_{value}") if value else None


# --- vehicle_data ---------------------------------------------------------------------------------


def _vehicle_data_sections(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.VEHICLE_DATA), fmt)
    identity, config = report.identity, report.configuration
    identity_rows: list[Row] = [
        (fmt.t("make"), identity.make),
        (fmt.t("model"), fmt.text(identity.model)),
        (fmt.t("model_year"), fmt.text(str(identity.model_year) if identity.model_year else None)),
        (fmt.t("vin"), identity.vin_masked),
        (fmt.t("display_name"), fmt.text(identity.display_name)),
        (fmt.t("trim"), fmt.text(identity.trim)),
        (fmt.t("drivetrain"), fmt.text(_drivetrain(identity.drivetrain, fmt))),
        (fmt.t("factory"), fmt.text(identity.factory)),
    ]
    config_rows: list[Row] = []
    if config:
        config_rows = [
            (fmt.t("exterior_color"), fmt.text(config.exterior_color)),
            (fmt.t("wheels"), fmt.text(config.wheel_type)),
            (fmt.t("interior"), fmt.text(config.interior_trim)),
            (fmt.t("charge_port_type"), fmt.text(config.charge_port_type)),
            (fmt.t("driver_assist"), fmt.text(config.driver_assist)),
            (
                fmt.t("steering"),
                fmt.na
                if config.right_hand_drive is None
                else fmt.t("rhd" if config.right_hand_drive else "lhd"),
            ),
            (fmt.t("air_suspension"), fmt.yes_no(config.has_air_suspension)),
            (fmt.t("seat_cooling"), fmt.yes_no(config.has_seat_cooling)),
        ]
    identity_blocks: list[Block] = [Grid(identity_rows)]
    if config_rows:
        identity_blocks.append(Grid(config_rows, title=fmt.t("sub_configuration")))
    sections = [Section("identity", fmt.t("section_identity"), identity_blocks)]
    battery_blocks: list[Block] = [notice] if notice else []
    battery_blocks += _battery_blocks(report, fmt)
    sections.append(Section("battery", fmt.t("section_battery"), battery_blocks))
    condition_blocks: list[Block] = [notice] if notice else []
    condition_blocks += _condition_blocks(report, fmt)
    sections.append(Section("condition", fmt.t("section_condition"), condition_blocks))
    return sections


def _battery_blocks(report: VehicleReport, fmt: _Formatter) -> list[Block]:
    battery = report.battery
    if battery is None:
        return []
    blocks: list[Block] = [
        Chart(
            (
                charts.battery_gauge(
                    level_pct=battery.battery_level_pct,
                    limit_pct=battery.charge_limit_pct,
                    level_label=fmt.t("gauge_level", value=fmt.percent(battery.battery_level_pct)),
                    limit_label=fmt.t("gauge_limit", value=fmt.percent(battery.charge_limit_pct)),
                    title=fmt.t("battery_chart_title"),
                )
            ),
            title=fmt.t("battery_chart_title"),
        )
    ]
    temps = (
        f"{fmt.quantity(battery.battery_temp_min)} – {fmt.quantity(battery.battery_temp_max)}"
        if battery.battery_temp_min or battery.battery_temp_max
        else fmt.na
    )
    blocks.append(
        Grid(
            [
                (fmt.t("battery_level"), fmt.percent(battery.battery_level_pct)),
                (fmt.t("usable_level"), fmt.percent(battery.usable_battery_level_pct)),
                (fmt.t("charge_limit"), fmt.percent(battery.charge_limit_pct)),
                (fmt.t("rated_range"), fmt.quantity(battery.rated_range)),
                (fmt.t("estimated_range"), fmt.quantity(battery.estimated_range)),
                (fmt.t("charging_state"), fmt.enum("charging", battery.charging_state)),
                (fmt.t("charge_port"), _open_closed(battery.charge_port_door_open, fmt)),
                (fmt.t("energy_remaining"), fmt.unit(battery.energy_remaining_kwh, "kWh", 1)),
                (fmt.t("lifetime_energy"), fmt.unit(battery.lifetime_energy_used_kwh, "kWh")),
                (
                    fmt.t("consumption"),
                    _derived(
                        "consumption", fmt.quantity(battery.lifetime_consumption), battery, fmt
                    ),
                ),
                (fmt.t("battery_temperature"), temps),
            ],
            title=fmt.t("sub_battery_now"),
        )
    )
    if battery.health is None:  # a report stored before every car had a health section
        blocks.append(Note(fmt.t("health_unavailable")))
    else:
        blocks += _health_blocks(battery.health, battery, report, fmt)
    blocks.extend(_inconsistency_notes(battery.inconsistent, fmt))
    return blocks


def _health_blocks(
    health: BatteryHealth, battery: BatteryAndCharging, report: VehicleReport, fmt: _Formatter
) -> list[Block]:
    """The estimate, its band, the verdict, the figures when new, the method and inputs, and
    exactly what is missing when an estimate could not be made."""
    blocks: list[Block] = []
    if health.health_pct is not None or health.estimated_usable_capacity_kwh is not None:
        blocks.append(
            Grid(_health_rows(health, battery, report, fmt), title=fmt.t("sub_battery_health"))
        )
    if health.estimates:
        blocks.append(Note(fmt.t("health_method"), detail=_health_method_detail(health, fmt)))
    if health.missing:
        intro = "health_missing_partial" if health.estimates else "health_missing_intro"
        reasons = "; ".join(fmt.t(f"missing_{code}") for code in health.missing)
        blocks.append(Note(fmt.t(intro), detail=reasons + "."))
    return blocks


def _health_band(health: BatteryHealth, fmt: _Formatter) -> str:
    if health.health_pct is None:
        return fmt.na
    if health.health_low_pct is None or health.health_high_pct is None:
        return fmt.percent(health.health_pct, 1)
    return fmt.t(
        "health_band",
        value=fmt.percent(health.health_pct, 1),
        low=fmt.number(health.health_low_pct, 0),
        high=fmt.percent(health.health_high_pct, 0),
    )


def _health_rows(
    health: BatteryHealth, battery: BatteryAndCharging, report: VehicleReport, fmt: _Formatter
) -> list[Row]:
    capacity = fmt.unit(health.estimated_usable_capacity_kwh, "kWh", 1)
    rows: list[Row] = [
        (fmt.t("battery_health"), _derived("health", _health_band(health, fmt), battery, fmt)),
    ]
    if health.verdict is not None:
        rows.append((fmt.t("health_verdict"), fmt.t(f"verdict_{health.verdict}")))
    if health.typical_health_pct is not None:
        rows.append(
            (
                fmt.t("typical_health"),
                fmt.t(
                    "typical_detail",
                    value=fmt.percent(health.typical_health_pct, 0),
                    age=fmt.number(health.age_years, 1) if health.age_years is not None else fmt.na,
                    odometer=fmt.quantity(report.odometer),
                ),
            )
        )
    rows += [
        (fmt.t("estimated_capacity"), _derived("usable_capacity", capacity, battery, fmt)),
        (fmt.t("original_capacity"), fmt.unit(health.reference_capacity_kwh, "kWh", 1)),
        (
            fmt.t("full_charge_range"),
            _derived("full_charge_range", fmt.quantity(health.full_charge_range), battery, fmt),
        ),
        (fmt.t("original_range"), _reference_range(health.reference_range, fmt)),
    ]
    if health.reference_origin is not None:
        source = fmt.t(f"reference_{health.reference_origin}")
        if health.reference_verified is False:
            source += " · " + fmt.t("reference_unverified")
        rows.append((fmt.t("pack_identified"), f"{fmt.text(health.reference_label)} ({source})"))
    return rows


def _reference_range(reference: Quantity | None, fmt: _Formatter) -> str:
    """The rating when new with its test: EPA in miles, WLTP in kilometres."""
    if reference is None:
        return fmt.na
    return f"{fmt.quantity(reference)} ({fmt.t('basis_' + reference.unit)})"


def _health_method_detail(health: BatteryHealth, fmt: _Formatter) -> str:
    lines = [
        fmt.t(
            f"estimate_{estimate.kind}",
            measured=fmt.quantity(estimate.measured)
            if estimate.measured.unit != "kWh"
            else fmt.unit(estimate.measured.value, "kWh", 1),
            reference=fmt.quantity(estimate.reference)
            if estimate.reference.unit != "kWh"
            else fmt.unit(estimate.reference.value, "kWh", 1),
            inputs=", ".join(
                f"{fmt.t(name)} {_figure_value(quantity.value, quantity.unit, fmt)}"
                for name, quantity in estimate.inputs.items()
            ),
            health=fmt.percent(estimate.health_pct, 1),
            low=fmt.number(estimate.low_pct, 0),
            high=fmt.percent(estimate.high_pct, 0),
        )
        for estimate in health.estimates
    ]
    if health.estimates_agree is False:
        lines.append(fmt.t("estimates_disagree"))
    return " ".join(lines)


# Report label of each figure plausibility.py checks (the figure names of ``Inconsistency``).
_FIGURE_LABELS = {
    "consumption": "consumption",
    "usable_capacity": "estimated_capacity",
    "full_charge_range": "full_charge_range",
    "health": "battery_health",
    "charger_power": "charger_power",
    "price_per_kwh": "average_price",
}


def _derived(
    figure: str, shown: str, owner: BatteryAndCharging | ChargingHistory, fmt: _Formatter
) -> str:
    """A derived figure as formatted, or "not available — inconsistent" when it was withheld."""
    if any(problem.figure == figure for problem in owner.inconsistent):
        return fmt.t("inconsistent")
    return shown


def _figure_value(value: float, unit: str, fmt: _Formatter) -> str:
    if len(unit) == 3 and unit.isupper():  # an ISO 4217 currency: a price per kWh
        return fmt.money(Money(amount=Decimal(str(value)), currency=unit), exact=True)
    if unit == "%" and float(value).is_integer():  # a charge level: whole per cent
        return fmt.percent(value)
    return fmt.quantity(Quantity(value=value, unit=unit))


def _inconsistency_notes(problems: Sequence[Inconsistency], fmt: _Formatter) -> list[Block]:
    """One warning naming every withheld figure: its value, the model's bounds, its inputs."""
    if not problems:
        return []
    details = [
        fmt.t(
            "inconsistent_detail",
            figure=fmt.t(_FIGURE_LABELS.get(problem.figure, problem.figure)),
            value=_figure_value(problem.value, problem.unit, fmt),
            low=_figure_value(problem.low, problem.unit, fmt),
            high=_figure_value(problem.high, problem.unit, fmt),
            inputs=", ".join(
                f"{fmt.t(name)} {_figure_value(quantity.value, quantity.unit, fmt)}"
                for name, quantity in problem.inputs.items()
            ),
        )
        for problem in problems
    ]
    return [Note(fmt.t("inconsistent_note"), tone="warn", detail=" ".join(details))]


def _open_closed(value: bool | None, fmt: _Formatter) -> str:
    return fmt.na if value is None else fmt.t("open" if value else "closed")


def _condition_blocks(report: VehicleReport, fmt: _Formatter) -> list[Block]:
    blocks: list[Block] = []
    software = report.software
    update = fmt.na
    if software and software.update_available is not None:
        update = (
            fmt.t("update_available", version=software.update_version or "")
            if software.update_available
            else fmt.t("up_to_date")
        )
    blocks.append(
        Grid(
            [
                (fmt.t("odometer"), fmt.quantity(report.odometer)),
                (fmt.t("software_version"), fmt.text(software.version if software else None)),
                (fmt.t("software_update"), update),
            ],
            title=fmt.t("sub_odometer_software"),
        )
    )
    tyres = report.tyres
    if tyres:
        by_position = {tyre.position: tyre for tyre in tyres.tyres}

        def mark(position: TyrePosition) -> charts.TyreMark:
            tyre = by_position.get(position)
            return charts.TyreMark(
                label=fmt.quantity(tyre.pressure if tyre else None),
                warning=bool(tyre and (tyre.soft_warning or tyre.hard_warning)),
            )

        blocks.append(
            Chart(
                (
                    charts.tyre_diagram(
                        mark("front_left"),
                        mark("front_right"),
                        mark("rear_left"),
                        mark("rear_right"),
                        front_label=fmt.t("front"),
                        title=fmt.t("sub_tyres"),
                    )
                ),
                title=fmt.t("sub_tyres"),
                narrow=True,
                caption=" · ".join(
                    [
                        fmt.t(
                            "recommended_pressure",
                            front=fmt.quantity(tyres.recommended_front),
                            rear=fmt.quantity(tyres.recommended_rear),
                        ),
                        fmt.t("tyre_warning") if tyres.any_warning else fmt.t("tyres_ok"),
                    ]
                ),
            )
        )
    climate = report.climate
    if climate:
        blocks.append(
            Grid(
                [
                    (fmt.t("inside_temp"), fmt.quantity(climate.inside_temp)),
                    (fmt.t("outside_temp"), fmt.quantity(climate.outside_temp)),
                    (fmt.t("temp_setting"), fmt.quantity(climate.driver_setting)),
                    (fmt.t("climate_on"), fmt.on_off(climate.is_climate_on)),
                    (fmt.t("preconditioning"), fmt.on_off(climate.is_preconditioning)),
                    (
                        fmt.t("cabin_overheat"),
                        fmt.enum("cop", climate.cabin_overheat_protection),
                    ),
                ],
                title=fmt.t("sub_climate"),
            )
        )
    security, dashcam = report.security, report.dashcam
    if security or dashcam:
        open_items = fmt.na
        if security and security.open_closures is not None:
            open_items = ", ".join(
                fmt.t(f"closure_{name}") for name in security.open_closures
            ) or fmt.t("none_open")
        rows: list[Row] = []
        if security:
            rows += [
                (fmt.t("locked"), fmt.yes_no(security.locked)),
                (fmt.t("sentry_mode"), fmt.on_off(security.sentry_mode)),
                (fmt.t("valet_mode"), fmt.on_off(security.valet_mode)),
                (fmt.t("open_closures"), open_items),
            ]
        if dashcam:
            rows.append((fmt.t("dashcam"), fmt.enum("dashcam", dashcam.state)))
        blocks.append(Grid(rows, title=fmt.t("sub_security")))
    return blocks


# --- Pro modules ----------------------------------------------------------------------------------


def _charging_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.CHARGING_HISTORY), fmt)
    history = report.charging_history
    blocks: list[Block] = [notice] if notice else []
    if history is not None and history.session_count == 0:
        blocks.append(Note(fmt.t("no_sessions")))
    elif history is not None:
        currency = report.region_context.currency
        period = (
            f"{fmt.date(history.first_session_at)} – {fmt.date(history.last_session_at)}"
            if history.first_session_at
            else fmt.na
        )
        blocks.append(
            Tiles(
                [
                    (fmt.t("sessions"), fmt.number(history.session_count)),
                    (fmt.t("energy_charged"), fmt.unit(history.total_energy_kwh, "kWh")),
                    (fmt.t("total_cost"), _main_amount(history.total_cost, currency, fmt)),
                    (fmt.t("average_price"), _average_price(history, currency, fmt)),
                ]
            )
        )
        bars = [
            charts.MonthBar(
                label=fmt.month(month.month),
                energy_kwh=month.energy_kwh,
                sessions_label=fmt.t("sessions_short", count=fmt.number(month.session_count)),
            )
            for month in history.monthly
        ]
        blocks.append(
            Chart(
                (
                    charts.monthly_energy_chart(
                        bars,
                        axis_label="kWh",
                        format_tick=lambda value: fmt.number(value),
                        title=fmt.t("chart_monthly_title"),
                    )
                ),
                title=fmt.t("chart_monthly_title"),
                caption=fmt.t("chart_monthly_caption"),
            )
        )
        rows: list[Row] = [(fmt.t("period"), period)]
        if len(history.total_cost) > 1:  # road trips abroad: every currency, in full
            rows.append((fmt.t("total_cost"), fmt.money_list(history.total_cost)))
            rows.append(
                (fmt.t("average_price"), fmt.money_list(history.average_price_per_kwh, exact=True))
            )
        if history.idle_fees:
            rows.append((fmt.t("idle_fees"), fmt.money_list(history.idle_fees)))
        if history.free_session_count:
            rows.append((fmt.t("free_sessions"), fmt.number(history.free_session_count)))
        blocks.append(Grid(rows))
        blocks.extend(_inconsistency_notes(history.inconsistent, fmt))
        blocks.append(
            Table(
                headers=[
                    fmt.t("col_date"),
                    fmt.t("col_site"),
                    fmt.t("col_energy"),
                    fmt.t("col_duration"),
                    fmt.t("col_cost"),
                ],
                rows=[
                    [
                        fmt.datetime(session.started_at, short=True),
                        " ".join(
                            part
                            for part in (session.site_name, _flag(session.country_code))
                            if part
                        )
                        or fmt.na,
                        fmt.unit(session.energy_kwh, "kWh"),
                        fmt.t("minutes", count=fmt.number(session.duration_minutes))
                        if session.duration_minutes is not None
                        else fmt.na,
                        fmt.t("free_charging")
                        if session.free and not any(m.amount for m in session.total_cost)
                        else fmt.money_list(session.total_cost),
                    ]
                    for session in history.sessions
                ],
                numeric={2, 3, 4},
                title=fmt.t("sub_sessions"),
            )
        )
        blocks.append(Note(fmt.t("charging_note")))
    return [Section("charging", fmt.t("section_charging"), blocks)]


def _average_price(history: ChargingHistory, currency: str | None, fmt: _Formatter) -> str:
    if history.average_price_per_kwh:
        return _main_amount(history.average_price_per_kwh, currency, fmt, exact=True)
    return _derived("price_per_kwh", fmt.t("free_charging"), history, fmt)


def _main_amount(
    amounts: Sequence[Money], currency: str | None, fmt: _Formatter, *, exact: bool = False
) -> str:
    """The amount in the report's main currency, marked "+" when other currencies exist too."""
    main = next((money for money in amounts if money.currency == currency), None) or (
        amounts[0] if amounts else None
    )
    if main is None:
        return fmt.na
    return fmt.money(main, exact=exact) + (" +" if len(amounts) > 1 else "")


def _flag(country_code: str | None) -> str | None:
    return f"({country_code})" if country_code else None


def _alerts_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.RECENT_ALERTS), fmt)
    blocks: list[Block] = [notice] if notice else []
    alerts = report.recent_alerts
    if alerts is not None and not alerts.alerts:
        blocks.append(Note(fmt.t("no_alerts")))
    elif alerts is not None:
        blocks.append(
            Table(
                headers=[fmt.t("col_time"), fmt.t("col_alert"), fmt.t("col_code")],
                rows=[
                    [
                        fmt.datetime(
                            alert.time.astimezone(UTC) if alert.time else None, short=True
                        ),
                        fmt.text(alert.text),
                        fmt.text(alert.name),
                    ]
                    for alert in alerts.alerts
                ],
            )
        )
        blocks.append(Note(fmt.t("alerts_note")))
    return [Section("alerts", fmt.t("section_alerts"), blocks)]


def _service_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    blocks: list[Block] = []
    notice = _module_notice(report.module(TeslaModule.SERVICE_DATA), fmt)
    if notice:
        blocks.append(notice)
    service = report.service
    if service is not None:
        rows: list[Row] = [
            (
                fmt.t("service_status"),
                fmt.t("in_service") if service.in_service else fmt.t("not_in_service"),
            )
        ]
        if service.in_service:
            rows += [
                (fmt.t("service_etc"), fmt.datetime(service.estimated_completion)),
                (fmt.t("service_visit"), fmt.text(service.visit_number)),
            ]
        blocks.append(Grid(rows, title=fmt.t("sub_service")))
    if report.in_package(TeslaModule.WARRANTY):
        warranty_notice = _module_notice(report.module(TeslaModule.WARRANTY), fmt)
        if warranty_notice:
            blocks.append(warranty_notice)
        warranty = report.warranty
        if warranty is not None and not warranty.coverages:
            blocks.append(Note(fmt.t("no_warranty")))
        elif warranty is not None:
            blocks.append(
                Table(
                    headers=[
                        fmt.t("col_coverage"),
                        fmt.t("col_status"),
                        fmt.t("col_expires"),
                        fmt.t("col_distance_limit"),
                        fmt.t("col_remaining"),
                    ],
                    rows=[
                        [
                            fmt.text(coverage.name or coverage.type),
                            fmt.t(f"warranty_{coverage.state}"),
                            fmt.date(coverage.expired_on or coverage.expires_on),
                            fmt.quantity(coverage.expiration_distance),
                            " · ".join(
                                part
                                for part in (
                                    fmt.t("days", count=fmt.number(coverage.days_left))
                                    if coverage.days_left is not None
                                    else None,
                                    fmt.quantity(coverage.distance_left)
                                    if coverage.distance_left
                                    else None,
                                )
                                if part
                            )
                            or "–",
                        ]
                        for coverage in warranty.coverages
                    ],
                    numeric={3},
                    warn_rows={
                        index
                        for index, coverage in enumerate(warranty.coverages)
                        if coverage.state == "expired"
                    },
                    title=fmt.t("sub_warranty"),
                )
            )
            blocks.append(Note(fmt.t("warranty_note")))
    return [Section("service", fmt.t("section_service"), blocks)]


def _release_notes_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.RELEASE_NOTES), fmt)
    blocks: list[Block] = [notice] if notice else []
    notes = report.release_notes
    if notes is not None and not notes.notes:
        blocks.append(Note(fmt.t("no_release_notes")))
    elif notes is not None:
        blocks.append(
            Items(
                [
                    (
                        fmt.text(note.title),
                        " · ".join(
                            part
                            for part in (
                                note.subtitle,
                                fmt.t("version", version=note.version) if note.version else None,
                            )
                            if part
                        ),
                        note.description or "",
                    )
                    for note in notes.notes
                ]
            )
        )
    return [Section("release_notes", fmt.t("section_release_notes"), blocks)]


def _options_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.OPTIONS), fmt)
    blocks: list[Block] = [notice] if notice else []
    if report.options is not None:
        blocks.append(
            Table(
                headers=[fmt.t("col_code"), fmt.t("col_option")],
                rows=[
                    [fmt.text(option.code), fmt.text(option.display_name)]
                    for option in report.options.options
                ],
            )
        )
    return [Section("options", fmt.t("section_options"), blocks)]


def _specs_section(report: VehicleReport, fmt: _Formatter) -> list[Section]:
    notice = _module_notice(report.module(TeslaModule.VEHICLE_SPECS), fmt)
    blocks: list[Block] = [notice] if notice else []
    specs = report.specs
    if specs is not None:
        rows: list[Row] = [
            (fmt.t("trim"), fmt.text(specs.trim)),
            (fmt.t("drivetrain"), fmt.text(specs.drive_type)),
            (fmt.t("factory"), fmt.text(specs.factory)),
            (fmt.t("battery_chemistry"), fmt.text(specs.battery_chemistry)),
            (fmt.t("nominal_capacity"), fmt.unit(specs.nominal_capacity_kwh, "kWh", 1)),
            (fmt.t("original_capacity"), fmt.unit(specs.usable_capacity_kwh, "kWh", 1)),
            (fmt.t("max_dc_power"), fmt.unit(specs.max_dc_power_kw, "kW")),
            (fmt.t("max_ac_power"), fmt.unit(specs.max_ac_power_kw, "kW", 1)),
            (fmt.t("charge_port_type"), fmt.text(specs.charge_port)),
            (fmt.t("power"), fmt.unit(specs.power_kw, "kW")),
            (fmt.t("acceleration"), fmt.unit(specs.acceleration_0_100_s, "s", 1)),
            (fmt.t("top_speed"), fmt.quantity(specs.top_speed)),
            (fmt.t("range_wltp"), fmt.quantity(specs.range_wltp)),
            (fmt.t("range_epa"), fmt.quantity(specs.range_epa)),
            (fmt.t("curb_weight"), fmt.unit(specs.curb_weight_kg, "kg")),
        ]
        rows += [(key, value) for key, value in sorted(specs.other.items())]
        blocks.append(Grid(rows))
    return [Section("specs", fmt.t("section_specs"), blocks)]


def _about_section(report: VehicleReport, fmt: _Formatter) -> Section:
    region = report.region_context
    units = ", ".join(
        [
            region.distance_unit,
            _UNIT_SYMBOLS.get(region.temperature_unit, region.temperature_unit),
            region.pressure_unit,
        ]
    )
    rows = [
        [
            fmt.t(f"module_{status.module}"),
            fmt.t(f"outcome_{status.outcome.value}"),
            status.reason or "",
        ]
        for status in report.modules
        if status.outcome != ModuleOutcome.MISSING
    ]
    rejected = [
        fmt.t(
            "rejected_detail",
            field=value.field,
            sent=value.sent,
            low=fmt.number(value.low),
            high=fmt.number(value.high),
            unit=value.unit,
        )
        for value in report.rejected_values
    ]
    return Section(
        "about",
        fmt.t("section_about"),
        [
            Note(fmt.t("about_intro")),
            *(
                [Note(fmt.t("rejected_note"), tone="warn", detail="; ".join(rejected) + ".")]
                if rejected
                else []
            ),
            Table(
                headers=[fmt.t("col_data"), fmt.t("col_result"), fmt.t("col_details")],
                rows=rows,
                warn_rows={
                    index
                    for index, status in enumerate(
                        s for s in report.modules if s.outcome != ModuleOutcome.MISSING
                    )
                    if status.outcome != ModuleOutcome.OK
                },
            ),
            Grid(
                [
                    (fmt.t("report_status"), fmt.t(f"status_{report.status.value}")),
                    (
                        fmt.t("units"),
                        f"{units} ({fmt.t(f'units_{region.units_source}')})",
                    ),
                    (fmt.t("package"), fmt.t(f"package_{report.package}")),
                ]
            ),
        ],
    )
