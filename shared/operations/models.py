"""Response model of the reconciler (imported by the route table: kept light)."""

from __future__ import annotations

from pydantic import Field

from shared.platform.api_models import ResponseModel


class ReconcileResponse(ResponseModel):
    repairs: dict[str, int] = Field(description="Repairs made by this run, per kind.")
    failures: int = Field(description="Orders whose repair raised (tried again next run).")
    orders_checked: int
    cars_checked: int
