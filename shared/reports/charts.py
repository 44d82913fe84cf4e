"""Inline SVG charts for the PDF, drawn in plain Python (no plotting library, no raster images).

Every function returns an ``<svg>`` string whose text stays real, selectable text in the PDF.
Labels are formatted by the caller (already localised) and escaped here. Output depends only on
the input, so the same report always renders the same chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

FONT = "DejaVu Sans, sans-serif"
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
ACCENT = "#0b7285"
ACCENT_LIGHT = "#99e9f2"
GOOD = "#2f9e44"
WARN = "#e8590c"


def _num(value: float) -> str:
    """Coordinates with at most two decimals, so output is stable and compact."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    label: str,
    *,
    size: float = 9,
    anchor: str = "middle",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}" font-family="{FONT}">{escape(label)}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, radius: float = 0) -> str:
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(width, 0))}" '
        f'height="{_num(max(height, 0))}" rx="{_num(radius)}" fill="{fill}"/>'
    )


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" role="img">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _nice_step(maximum: float, ticks: int = 4) -> float:
    """A round grid step (1, 2, 2.5 or 5 × 10ⁿ) so that ``ticks`` steps cover ``maximum``."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return float(magnitude * factor)
    return float(magnitude * 10)


@dataclass(frozen=True)
class MonthBar:
    """One month of charging: the bar height is energy, the label above it the session count."""

    label: str  # localised month, e.g. "touko 2026"
    energy_kwh: Decimal
    sessions_label: str  # localised, e.g. "3 sessions"


def monthly_energy_chart(
    months: Sequence[MonthBar],
    *,
    axis_label: str,
    format_tick: Callable[[float], str],  # float -> localised tick label
    title: str,
) -> str:
    """Bar chart: kWh charged per month, with the number of sessions above each bar."""
    width, height = 640.0, 230.0
    left, right, top, bottom = 52.0, 10.0, 26.0, 40.0
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = max((float(month.energy_kwh) for month in months), default=0.0)
    step = _nice_step(peak)
    axis_max = step * max(1, -(-peak // step)) if peak else step * 4
    body: list[str] = []
    tick = 0.0
    while tick <= axis_max + 1e-9:
        y = top + plot_height - plot_height * tick / axis_max
        body.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(width - right)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 3, format_tick(tick), size=8, anchor="end", fill=MUTED))
        tick += step
    body.append(_text(left - 44, top - 12, axis_label, size=8, anchor="start", fill=MUTED))
    slot = plot_width / max(len(months), 1)
    bar_width = min(slot * 0.62, 56.0)
    for index, month in enumerate(months):
        value = float(month.energy_kwh)
        bar_height = plot_height * value / axis_max
        x = left + slot * index + (slot - bar_width) / 2
        y = top + plot_height - bar_height
        body.append(_rect(x, y, bar_width, bar_height, ACCENT, radius=2))
        centre = x + bar_width / 2
        body.append(_text(centre, y - 5, month.sessions_label, size=8, fill=INK))
        body.append(_text(centre, height - bottom + 15, month.label, size=8.5, fill=INK))
    return _svg(width, height, body, title)


def battery_gauge(
    *,
    level_pct: int | None,
    limit_pct: int | None,
    level_label: str,
    limit_label: str,
    title: str,
) -> str:
    """A horizontal battery: filled to the current level, with the charge limit marked."""
    width, height = 640.0, 92.0
    left, right, bar_top, bar_height = 12.0, 24.0, 30.0, 30.0
    bar_width = width - left - right
    body = [
        _rect(left, bar_top, bar_width, bar_height, GRID, radius=6),
        # the battery's terminal nub
        _rect(left + bar_width + 2, bar_top + 9, 6, bar_height - 18, GRID, radius=2),
    ]
    if limit_pct is not None:
        limit_x = left + bar_width * min(max(limit_pct, 0), 100) / 100
        body.append(_rect(left, bar_top, limit_x - left, bar_height, ACCENT_LIGHT, radius=6))
    if level_pct is not None:
        level = min(max(level_pct, 0), 100)
        colour = WARN if level < 20 else GOOD
        body.append(_rect(left, bar_top, bar_width * level / 100, bar_height, colour, radius=6))
        body.append(
            _text(
                left + 10,
                bar_top + bar_height / 2 + 5,
                level_label,
                size=13,
                anchor="start",
                fill="#ffffff" if level >= 25 else INK,
                weight="bold",
            )
        )
    if limit_pct is not None:
        limit_x = left + bar_width * min(max(limit_pct, 0), 100) / 100
        body.append(
            f'<line x1="{_num(limit_x)}" y1="{_num(bar_top - 6)}" x2="{_num(limit_x)}" '
            f'y2="{_num(bar_top + bar_height + 6)}" stroke="{INK}" stroke-width="2"/>'
        )
        anchor = "end" if limit_pct > 70 else "start"
        offset = -4 if anchor == "end" else 4
        body.append(_text(limit_x + offset, bar_top - 10, limit_label, size=9, anchor=anchor))
    for mark in (0, 50, 100):
        x = left + bar_width * mark / 100
        body.append(_text(x, bar_top + bar_height + 18, f"{mark} %", size=8, fill=MUTED))
    return _svg(width, height, body, title)


@dataclass(frozen=True)
class TyreMark:
    label: str  # localised pressure, e.g. "2,69 bar" or "Not available"
    warning: bool


def tyre_diagram(
    front_left: TyreMark,
    front_right: TyreMark,
    rear_left: TyreMark,
    rear_right: TyreMark,
    *,
    front_label: str,
    title: str,
) -> str:
    """The car seen from above with each tyre's pressure beside it; warnings in orange."""
    width, height = 360.0, 200.0
    body_x, body_y, body_w, body_h = 140.0, 24.0, 80.0, 160.0
    body = [
        f'<rect x="{_num(body_x)}" y="{_num(body_y)}" width="{_num(body_w)}" '
        f'height="{_num(body_h)}" rx="30" fill="#f5f7fa" stroke="{MUTED}" stroke-width="1.5"/>',
        _rect(body_x + 12, body_y + 40, body_w - 24, 26, GRID, radius=6),  # windscreen
        _text(body_x + body_w / 2, 14, front_label, size=8, fill=MUTED),
    ]
    wheels = (
        (front_left, body_x - 8, body_y + 22, "end"),
        (front_right, body_x + body_w - 6, body_y + 22, "start"),
        (rear_left, body_x - 8, body_y + body_h - 58, "end"),
        (rear_right, body_x + body_w - 6, body_y + body_h - 58, "start"),
    )
    for mark, x, y, anchor in wheels:
        colour = WARN if mark.warning else INK
        body.append(_rect(x, y, 14, 36, colour, radius=3))
        text_x = x - 8 if anchor == "end" else x + 22
        body.append(
            _text(text_x, y + 22, mark.label, size=11, anchor=anchor, fill=colour, weight="bold")
        )
    return _svg(width, height, body, title)
