"""The car report and charging-history records read the documents written before they were
models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.delivery.report_store import CarReport, CarStatus, HistoryArtifact, HistoryState

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_car_and_history_documents_of_before_load():
    fresh = {"vehicle_id": 7, "status": "pending", "attempts": 0, "generation": 0,
             "updated_at": NOW, "expires_at": NOW}  # fmt: skip
    car = CarReport.model_validate(fresh)
    assert car.status is CarStatus.PENDING and car.tesla_calls == [] and car.modules is None
    built = CarReport.model_validate(
        {**fresh, "status": "partial", "lease_until": None, "modules": {"vehicle_data": "ok"},
         "reason": "options: asleep", "tesla_calls": [{"endpoint": "vehicle_data"}],
         "tesla_cost_micro_usd": 2000, "json_path": "o/7.json", "pdf_path": None}
    )  # fmt: skip
    assert built.is_final and built.tesla_cost_micro_usd == 2000
    lease = HistoryArtifact.model_validate({"state": "fetching", "lease_until": NOW})
    assert lease.held_at(NOW - timedelta(seconds=1)) and not lease.held_at(NOW)
    assert HistoryArtifact.model_validate({"state": "done"}).state is HistoryState.DONE
