"""The deploy entry module: every Cloud Function is deployed from this repository root.

``gcloud functions deploy NAME --source=. --entry-point=TARGET`` builds the whole (gcloudignored)
tree; the Python buildpack loads this file and asks it for ``TARGET``. Entry points live in
``functions/`` and are imported lazily here, only the one that runs, so no function pays the
cold-start cost of another's imports. functions-framework puts this file's folder on ``sys.path``,
which makes both ``functions`` and the ``shared`` library importable, in the cloud as locally.

A deployed function that sells (``COMMERCE_TARGETS``) checks at start that its environment has a
price book and a real seller identity, and refuses to start otherwise, naming what is missing:
functions-framework resolves the target before it serves, so the instance never comes up.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
from typing import Any

from functions.routes import ROUTES_BY_TARGET

# The functions that quote, take payments, settle them (and so print receipts) or serve a
# receipt: each needs the environment's price book and seller identity to do its job.
COMMERCE_TARGETS = frozenset(
    {
        "pricing_catalog",
        "pricing_quote",
        "pricing_validate_voucher",
        "payment_create_intent",
        "payment_verify",
        "payment_paypal_capture",
        "payment_paypal_webhook",
        "operations_reconcile",  # settles late payments and writes their receipts
        "tesla_report_receipt",
    }
)


def __getattr__(target: str) -> Any:
    route = ROUTES_BY_TARGET.get(target)
    if route is None:
        raise AttributeError(target)
    # Importing a function allocates many long-lived objects (modules, pydantic schemas): a cyclic
    # collection in the middle finds nothing to free and costs cold-start time. Collect never
    # during the import, then freeze what it made so later collections skip it too.
    gc.disable()
    try:
        module = importlib.import_module(route.module)
    finally:
        gc.enable()
    gc.freeze()
    _answer_framework_errors_in_json()
    if target in COMMERCE_TARGETS:
        _refuse_to_start_unless_ready_to_sell(target)
    return getattr(module, target)


def _refuse_to_start_unless_ready_to_sell(target: str) -> None:
    # Local runs and tests use the seed files: no read, no cost on their cold start.
    # (Settings read their variables case-insensitively: so does this check.)
    environment = next(
        (value for name, value in os.environ.items() if name.upper() == "CPT_ENVIRONMENT"), "local"
    )
    if environment.lower() == "local":
        return
    from shared.platform.settings import get_settings
    from shared.pricing.book import CommerceNotReadyAtStart, refuse_to_start_unready

    try:
        refuse_to_start_unready(get_settings(), target)
    except CommerceNotReadyAtStart as refused:
        # One structured line that Cloud Logging reads as CRITICAL, before the traceback.
        print(json.dumps({"severity": "CRITICAL", "message": str(refused)}), file=sys.stderr)
        raise


def _answer_framework_errors_in_json() -> None:
    # functions-framework resolves the target inside its app's context: the one place where our
    # code can reach the Flask app it built, to replace Werkzeug's HTML 404/405 pages.
    import flask

    if flask.has_app_context():
        from shared.platform.http import install_error_pages

        install_error_pages(flask.current_app)


def __dir__() -> list[str]:
    return sorted(ROUTES_BY_TARGET)
