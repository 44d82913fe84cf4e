"""POST /internal/operations/reconcile: Cloud Scheduler's target (locally the admin trigger)."""

from __future__ import annotations

import functions_framework

from functions.routes import endpoint
from shared.operations.models import ReconcileResponse
from shared.platform.http import Call


@functions_framework.http
@endpoint("operations_reconcile")
def operations_reconcile(call: Call) -> ReconcileResponse:
    # Internal: no public ingress, and only the scheduler's service account may invoke it (IAM).
    from shared.operations.reconciler import reconcile

    run = reconcile(call.settings)
    return ReconcileResponse(
        repairs=dict(run.repairs),
        failures=run.failures,
        orders_checked=run.orders_checked,
        cars_checked=run.cars_checked,
    )
