"""infra/monitoring.tf checked offline: every alert has a runbook text, a notification channel
and a log-based metric defined there; every metric counts a signal the code defines; the
dashboard charts only metrics defined there, the funnel included.

Whether each metric's filter matches lines the code really writes is proven on real flows in
tests/operations/test_signals.py, with the filter parser below (``matches``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.platform.signals import Signal, SignalFields
from tests.infra.hcl import INFRA, expr, is_expression, load_infra

INFRA_STATE = load_infra()
METRICS = INFRA_STATE.of_type("google_logging_metric")
ALERTS = INFRA_STATE.of_type("google_monitoring_alert_policy")
DASHBOARD = INFRA / "dashboards" / "orders.json"
PROMQL_METRIC = re.compile(r"logging_googleapis_com:user_(\w+?)(?:_sum|_count|_bucket)?\{")
PROMQL_REFERENCE = re.compile(
    r"logging_googleapis_com:user_\$\{google_logging_metric\.(\w+)\.name\}"
)


# --- the filter language, as far as our filters use it ------------------------------------------


@dataclass(frozen=True)
class Clause:
    """``jsonPayload.<field> <op> <value>``; op ``:*`` means the field is present."""

    field: str
    op: str
    value: str | float | None


CLAUSE = re.compile(r'^jsonPayload\.(\w+)\s*(=|!=|>=|<=|>|<|:)\s*(\*|"[^"]*"|-?[\d.]+)$')


def _resolved(text: str) -> str:
    """The filter with ``${var.x}`` replaced by the variable's default, ``\\"`` unescaped and the
    shared resource clause (``${local.signal_logs}``) left out."""
    text = text.replace('\\"', '"')

    def value_of(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("var."):
            return str(INFRA_STATE.default(inner.removeprefix("var.")))
        if inner == "local.signal_logs":
            return ""
        raise AssertionError(f"unexpected expression in a filter: {inner}")

    return re.sub(r"\$\{([^}]+)\}", value_of, text)


def parse_filter(text: str) -> list[Clause]:
    clauses = []
    for part in (p.strip() for p in _resolved(text).split(" AND ")):
        if not part:
            continue
        match = CLAUSE.match(part)
        assert match, f"a filter clause this test cannot read: {part!r}"
        field, op, raw = match.groups()
        value: str | float | None
        if raw == "*":
            value = None
            assert op == ":", part
            op = ":*"
        elif raw.startswith('"'):
            value = raw[1:-1]
        else:
            value = float(raw)
        clauses.append(Clause(field, op, value))
    return clauses


def clause_holds(clause: Clause, record: Mapping[str, Any]) -> bool:
    if clause.field not in record:
        return clause.op == "!="
    actual = record[clause.field]
    if clause.op == ":*":
        return True
    if isinstance(clause.value, str):
        equal = str(actual) == clause.value
        return equal if clause.op == "=" else not equal if clause.op == "!=" else False
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    assert clause.value is not None
    return {
        "=": actual == clause.value,
        "!=": actual != clause.value,
        ">": actual > clause.value,
        ">=": actual >= clause.value,
        "<": actual < clause.value,
        "<=": actual <= clause.value,
    }[clause.op]


def matches(metric: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Does the log record (a jsonPayload) pass the metric's filter?"""
    return all(clause_holds(clause, record) for clause in parse_filter(metric["filter"]))


def extracted_fields(metric: Mapping[str, Any]) -> dict[str, str]:
    """label or "value" → the jsonPayload field its EXTRACT reads."""
    extractors = dict(metric.get("label_extractors") or {})
    if metric.get("value_extractor"):
        extractors["value"] = metric["value_extractor"]
    fields = {}
    for label, extractor in extractors.items():
        found = re.fullmatch(r"EXTRACT\(jsonPayload\.(\w+)\)", extractor)
        assert found, f"{label}: {extractor}"
        fields[label] = found.group(1)
    return fields


# --- the parser itself ---------------------------------------------------------------------------


def test_the_filter_parser_reads_each_operator() -> None:
    metric = {"filter": '${local.signal_logs} AND jsonPayload.signal=\\"x\\" AND jsonPayload.n>2'}
    assert parse_filter(metric["filter"]) == [Clause("signal", "=", "x"), Clause("n", ">", 2.0)]
    assert matches(metric, {"signal": "x", "n": 3})
    assert not matches(metric, {"signal": "x", "n": 2})
    assert not matches(metric, {"signal": "y", "n": 3})
    assert not matches(metric, {"signal": "x", "n": "3"})  # a string is not a number
    present = {"filter": "jsonPayload.order_id:*"}
    assert matches(present, {"order_id": "ord_1"}) and not matches(present, {})


# --- invariants ----------------------------------------------------------------------------------


def test_every_metric_counts_a_signal_the_code_defines_on_fields_it_writes() -> None:
    assert METRICS
    known = {signal.value for signal in Signal}
    fields = set(SignalFields.__annotations__) | {"signal"}
    for name, metric in METRICS.items():
        clauses = parse_filter(metric["filter"])
        signals = [c.value for c in clauses if c.field == "signal" and c.op == "="]
        assert len(signals) == 1 and signals[0] in known, f"{name}: {signals}"
        assert metric["filter"].startswith("${local.signal_logs} AND "), name
        for clause in clauses:
            assert clause.field in fields, f"{name}: jsonPayload.{clause.field} is never written"
        for label, field in extracted_fields(metric).items():
            assert field in fields, f"{name}.{label}: jsonPayload.{field} is never written"
        descriptors = metric["metric_descriptor"]
        declared = {label["key"] for d in descriptors for label in d.get("labels", [])}
        assert declared == set(metric.get("label_extractors") or {}), name
        assert "order_id" not in declared, f"{name}: an order id label would be unbounded"


def test_every_alert_has_documentation_a_channel_and_a_metric_defined_here() -> None:
    assert set(ALERTS) >= {
        "stuck_order",
        "webhook_signatures",
        "http_5xx",
        "partial_reports",
        "tesla_spend",
        "dispute_opened",
        "reconciler_repeats",
    }
    channels = INFRA_STATE.resource("google_monitoring_notification_channel", "oncall_email")
    assert channels["type"] == "email"
    for name, alert in ALERTS.items():
        (documentation,) = alert["documentation"]
        content = documentation["content"]
        assert documentation["mime_type"] == "text/markdown", name
        assert "What it means" in content and "First thing to do" in content, name
        assert "docs/operations.md" in content or "local.runbook" in content, name
        assert alert["notification_channels"] == "${local.alert_channels}", name
        referenced = set()
        for condition in alert["conditions"]:
            (promql,) = condition["condition_prometheus_query_language"]
            referenced |= set(PROMQL_REFERENCE.findall(promql["query"]))
            assert "monitored_resource" in promql["query"], name
        assert referenced, f"{name} references no log-based metric"
        assert referenced <= set(METRICS), f"{name}: {referenced - set(METRICS)}"
    alert_channels = INFRA_STATE.locals["alert_channels"]
    assert "google_monitoring_notification_channel.oncall_email.id" in alert_channels
    assert "var.alert_notification_channels" in alert_channels


def test_every_runbook_section_an_alert_names_exists() -> None:
    runbook = (INFRA.parent / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).strip().replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", runbook, flags=re.MULTILINE)
    }
    for name, alert in ALERTS.items():
        for anchor in re.findall(r"#([a-z0-9-]+)\)", alert["documentation"][0]["content"]):
            assert anchor in anchors, f"{name}: docs/operations.md has no section #{anchor}"


def test_thresholds_are_variables_with_defaults() -> None:
    for variable in (
        "tesla_daily_budget_usd",
        "webhook_signature_failures_per_15m",
        "http_5xx_per_5m",
        "partial_report_share",
        "partial_report_min_cars",
        "reconciler_repeat_limit",
        "alert_email",
        "alert_notification_channels",
    ):
        assert "default" in INFRA_STATE.variables[variable], variable
    queries = " ".join(
        c["condition_prometheus_query_language"][0]["query"]
        for alert in ALERTS.values()
        for c in alert["conditions"]
    )
    assert "${var.tesla_daily_budget_usd}" in queries
    assert "_sum{" in queries  # Tesla spend sums the extracted cost, not the line count


def test_the_dashboard_charts_the_funnel_and_only_metrics_defined_here() -> None:
    board = json.loads(DASHBOARD.read_text())
    dashboard = INFRA_STATE.resource("google_monitoring_dashboard", "orders")
    assert is_expression(dashboard["dashboard_json"])
    assert "dashboards/orders.json" in expr(dashboard["dashboard_json"])
    queries = [
        data_set["timeSeriesQuery"]["prometheusQuery"]
        for tile in board["mosaicLayout"]["tiles"]
        for widget in [tile["widget"]]
        for data_set in widget.get("xyChart", {}).get("dataSets", [])
        + ([widget["scorecard"]] if "scorecard" in widget else [])
    ]
    names = {name for query in queries for name in PROMQL_METRIC.findall(query)}
    defined = {metric["name"]: key for key, metric in METRICS.items()}
    assert names <= set(defined), names - set(defined)
    for step in ("order_connected", "order_selected", "order_paid", "order_complete"):
        assert f"cpt_{step}" in names, step
    assert {"cpt_payment_to_complete_seconds", "cpt_tesla_cost_micro_usd"} <= names
    charted = set(defined) - names
    assert not charted, f"metrics on no chart: {charted}"
    depends = dashboard["depends_on"]
    assert {f"${{google_logging_metric.{key}}}" for key in METRICS} <= set(depends) or all(
        f"google_logging_metric.{key}" in " ".join(depends) for key in METRICS
    )
