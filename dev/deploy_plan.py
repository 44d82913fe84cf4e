"""The ``gcloud functions deploy`` command of every route, generated from the route table.

``python -m dev.deploy_plan --project P --region R --environment dev`` prints one command per
function; Cloud Build runs the same list (``cloudbuild.yaml``), so a path, a memory size or a
secret is only ever written in ``functions/routes.py``.
"""

from __future__ import annotations

import argparse
import shlex

from functions.routes import ROUTES, Route

RUNTIME = "python311"  # the Python the test suite runs on


def secret_name(setting: str) -> str:
    """Secret Manager id of a settings field: ``stripe_secret_key`` → ``cpt-stripe-secret-key``."""
    return "cpt-" + setting.replace("_", "-")


def deploy_command(route: Route, project: str, region: str, environment: str) -> list[str]:
    service_account = "cpt-api" if route.public else "cpt-worker"
    command = [
        "gcloud", "functions", "deploy", route.function_name,
        "--gen2", f"--project={project}", f"--region={region}", f"--runtime={RUNTIME}",
        "--source=.", f"--entry-point={route.target}", "--trigger-http",
        f"--memory={route.memory}", f"--timeout={route.timeout_s}s",
        f"--max-instances={route.max_instances}",
        f"--service-account={service_account}@{project}.iam.gserviceaccount.com",
        f"--set-env-vars=CPT_ENVIRONMENT={environment},CPT_PROJECT_ID={project}",
        "--allow-unauthenticated" if route.public else "--no-allow-unauthenticated",
    ]  # fmt: skip
    if route.secrets:
        pairs = ",".join(f"CPT_{s.upper()}={secret_name(s)}:latest" for s in route.secrets)
        command.append(f"--set-secrets={pairs}")
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", default="europe-north1")
    parser.add_argument("--environment", choices=["dev", "tst", "prd"], default="dev")
    args = parser.parse_args()
    for route in ROUTES:
        print(shlex.join(deploy_command(route, args.project, args.region, args.environment)))


if __name__ == "__main__":
    main()
