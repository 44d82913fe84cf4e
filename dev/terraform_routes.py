"""The route table as Terraform input (``infra/routes.auto.tfvars.json``).

``python -m dev.terraform_routes > infra/routes.auto.tfvars.json`` writes it.

Terraform cannot import Python, so the table is written out once as JSON (committed; a test checks
the committed file equals this output). ``infra/`` iterates over it with ``for_each``: one Cloud
Function per row, one serverless NEG + backend per public row, and one load-balancer route rule
per public row.

Load-balancer matching: a path without parameters is an exact ``full_path_match``; a path template
(``/tesla/session/{session_id}/select``) becomes a ``path_template_match`` with one-segment
variables (``{session_id=*}``). A plain path *prefix* cannot tell ``.../{id}/vehicles`` from
``.../{id}/select`` (same prefix, different functions), a segment template can.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from functions.routes import API_PREFIX, ROUTES
from shared.platform.routing import Route


def lb_match(route: Route) -> dict[str, str]:
    """How the URL map recognises the route: ``{"kind": ..., "value": ...}``."""
    if not route.path_params:
        return {"kind": "full_path_match", "value": route.full_path}
    template = re.sub(r"\{(\w+)\}", r"{\1=*}", route.full_path)
    return {"kind": "path_template_match", "value": template}


def route_entry(route: Route) -> dict[str, Any]:
    return {
        "target": route.target,
        "method": route.method,
        "path": route.path,
        "full_path": route.full_path,
        "public": route.public,
        "memory": route.memory,
        "timeout_s": route.timeout_s,
        "max_instances": route.max_instances,
        "secrets": list(route.secrets),
        "lb_match": lb_match(route),
    }


def tfvars() -> dict[str, Any]:
    return {
        "api_prefix": API_PREFIX,
        "routes": {route.function_name: route_entry(route) for route in ROUTES},
    }


def render() -> str:
    return json.dumps(tfvars(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
