"""The deploy entry module: every Cloud Function is deployed from this repository root.

``gcloud functions deploy NAME --source=. --entry-point=TARGET`` builds the whole (gcloudignored)
tree; the Python buildpack loads this file and asks it for ``TARGET``. Entry points live in
``functions/`` and are imported lazily here, only the one that runs, so no function pays the
cold-start cost of another's imports. functions-framework puts this file's folder on ``sys.path``,
which makes both ``functions`` and the ``shared`` library importable, in the cloud as locally.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

from functions.routes import ROUTES_BY_TARGET


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
    return getattr(module, target)


def _answer_framework_errors_in_json() -> None:
    # functions-framework resolves the target inside its app's context: the one place where our
    # code can reach the Flask app it built, to replace Werkzeug's HTML 404/405 pages.
    import flask

    if flask.has_app_context():
        from shared.platform.http import install_error_pages

        install_error_pages(flask.current_app)


def __dir__() -> list[str]:
    return sorted(ROUTES_BY_TARGET)
