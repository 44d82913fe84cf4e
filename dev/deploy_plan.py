"""The ``gcloud functions deploy`` command of every route, generated from the route table.

``python -m dev.deploy_plan --project P --region R --environment dev`` prints one command per
function; Cloud Build runs the same list (``cloudbuild.yaml``), so a path, a memory size or a
secret is only ever written in ``functions/routes.py``.

Terraform (``infra/``) creates the functions, their service accounts and everything they use;
these commands redeploy the code with the same settings (tests/infra checks they agree). Values
only Terraform knows (the worker's URL, the WUI URL, provider client ids) stay as Terraform set
them: ``--update-env-vars`` changes only the variables named here.
"""

from __future__ import annotations

import argparse
import shlex

from functions.routes import ROUTES
from shared.platform.routing import Route

RUNTIME = "python311"  # the Python the test suite runs on

# Service account ids per role (infra/iam.tf creates them).
API_ACCOUNT = "cpt-api"
WORKER_ACCOUNT = "cpt-worker"
TASKS_INVOKER_ACCOUNT = "cpt-tasks-invoker"
DEPLOYER_ACCOUNT = "cpt-deployer"

# Ingress (infra/functions.tf): public functions only through the load balancer, the worker
# only from inside Google (Cloud Tasks).
PUBLIC_INGRESS = "internal-and-gclb"
INTERNAL_INGRESS = "internal-only"


def secret_name(setting: str) -> str:
    """Secret Manager id of a settings field: ``stripe_secret_key`` → ``cpt-stripe-secret-key``."""
    return "cpt-" + setting.replace("_", "-")


def account_email(account: str, project: str) -> str:
    return f"{account}@{project}.iam.gserviceaccount.com"


def reports_bucket(project: str) -> str:
    return f"{project}-cpt-reports"  # infra/storage.tf


def env_vars(route: Route, project: str, region: str, environment: str) -> dict[str, str]:
    return {
        "CPT_ENVIRONMENT": environment,
        "CPT_PROJECT_ID": project,
        "CPT_REGION": region,
        "CPT_TASKS_LOCATION": region,
        "CPT_REPORTS_BUCKET": reports_bucket(project),
        "CPT_TASKS_INVOKER_SERVICE_ACCOUNT": account_email(TASKS_INVOKER_ACCOUNT, project),
        # Behind the load balancer two proxies append to X-Forwarded-For (docs/security.md).
        "CPT_TRUSTED_PROXY_HOPS": "2" if route.public else "1",
    }


# What Terraform sets on every function (infra/main.tf ``common_env``) and per role
# (``public_env`` / ``internal_env``); tests/dev/test_gateway_env.py keeps these in step with it.
TERRAFORM_COMMON_ENV = frozenset(
    {
        "CPT_ENVIRONMENT", "CPT_PROJECT_ID", "CPT_REGION", "CPT_API_PREFIX",
        "CPT_REPORTS_BUCKET", "CPT_SESSIONS_COLLECTION", "CPT_OAUTH_STATES_COLLECTION",
        "CPT_RATE_LIMITS_COLLECTION", "CPT_TASKS_QUEUE", "CPT_TASKS_LOCATION",
        "CPT_TASKS_INVOKER_SERVICE_ACCOUNT", "CPT_WUI_URL", "CPT_TESLA_CLIENT_ID",
        "CPT_TESLA_REDIRECT_URI", "CPT_TESLA_AUTH_URL", "CPT_TESLA_FLEET_URL_TEMPLATE",
        "CPT_STRIPE_PUBLISHABLE_KEY", "CPT_PAYPAL_CLIENT_ID", "CPT_PAYPAL_API_BASE",
        "CPT_PAYPAL_WEBHOOK_ID", "CPT_PAYMENT_LEDGER_COLLECTION",
        "CPT_BOOKKEEPING_RETENTION_DAYS", "CPT_REPORTS_RETENTION_DAYS",
    }
)  # fmt: skip
TERRAFORM_PUBLIC_ENV = frozenset({"CPT_WORKER_URL", "CPT_TRUSTED_PROXY_HOPS"})
TERRAFORM_INTERNAL_ENV = frozenset({"CPT_WORKER_URL", "CPT_TRUSTED_PROXY_HOPS"})


def function_env_names(route: Route) -> frozenset[str]:
    """Every variable the function of ``route`` has in the cloud: Terraform's, the ones these
    commands update, and its secrets. The local gateway gives a function only these (and what no
    function is given: emulator addresses, seed data), so a missing one fails locally too."""
    role = TERRAFORM_PUBLIC_ENV if route.public else TERRAFORM_INTERNAL_ENV
    planned = env_vars(route, "project", "region", "dev")
    secrets = {f"CPT_{name.upper()}" for name in route.secrets}
    return TERRAFORM_COMMON_ENV | role | frozenset(planned) | frozenset(secrets)


def deployed_env_names() -> frozenset[str]:
    """The variables the deploy sets on at least one function (secrets of any route included)."""
    names: frozenset[str] = frozenset()
    for route in ROUTES:
        names |= function_env_names(route)
    return names


def deploy_command(route: Route, project: str, region: str, environment: str) -> list[str]:
    runtime_account = API_ACCOUNT if route.public else WORKER_ACCOUNT
    deployer = account_email(DEPLOYER_ACCOUNT, project)
    env = ",".join(f"{k}={v}" for k, v in env_vars(route, project, region, environment).items())
    command = [
        "gcloud", "functions", "deploy", route.function_name,
        "--gen2", f"--project={project}", f"--region={region}", f"--runtime={RUNTIME}",
        "--source=.", f"--entry-point={route.target}", "--trigger-http",
        f"--memory={route.memory}", f"--timeout={route.timeout_s}s",
        f"--max-instances={route.max_instances}",
        f"--service-account={account_email(runtime_account, project)}",
        f"--build-service-account=projects/{project}/serviceAccounts/{deployer}",
        f"--ingress-settings={PUBLIC_INGRESS if route.public else INTERNAL_INGRESS}",
        f"--update-env-vars={env}",
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
