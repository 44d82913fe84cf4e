"""Offline checks of infra/ (Terraform): the invariants a reviewer would otherwise check by eye.

No Terraform provider can be downloaded here, so `terraform validate` cannot run; instead the HCL
is parsed with python-hcl2 and checked against the route table and the settings: every reference
resolves, nothing is public but the API functions behind the load balancer, TTL sits on exactly
the collections the code expires, every service account holds exactly its role's grants, and
every route is deployed (and every public one routed) with the secrets it names.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from pydantic import SecretStr

from dev import deploy_plan, terraform_routes
from dev.localcloud import CLOUD_REPORTS_QUEUE
from functions.routes import ROUTES
from shared.delivery import report_store
from shared.payments import webhooks
from shared.platform.settings import Settings
from tests.infra.hcl import INFRA, expr, load_infra, load_tfvars, walk_strings

INFRA_STATE = load_infra()
PUBLIC = {r.function_name: r for r in ROUTES if r.public}
INTERNAL = {r.function_name: r for r in ROUTES if not r.public}
WORKER = next(r for r in ROUTES if r.target == "reports_worker")
SETTINGS_FIELDS = Settings.model_fields
SECRET_FIELDS = {name for name, info in SETTINGS_FIELDS.items() if info.annotation is SecretStr}


def _list_literal(expression: str) -> list[str]:
    """The string items of ``toset([...])`` / ``[...]``."""
    return re.findall(r'"([^"]+)"', expression)


# --------------------------------------------------------------------------------------------
# Structure: the HCL is consistent with itself (what `terraform validate` would catch first)
# --------------------------------------------------------------------------------------------


def test_every_reference_resolves() -> None:
    infra = INFRA_STATE
    strings = [
        s
        for body in [*infra.resources.values(), *infra.data.values(), *infra.outputs.values()]
        for s in walk_strings(body)
    ] + walk_strings(infra.locals)
    expressions = " ".join(s for s in strings if "${" in s)
    for name in set(re.findall(r"\bvar\.(\w+)", expressions)):
        assert name in infra.variables, f"var.{name} is not declared"
    for name in set(re.findall(r"\blocal\.(\w+)", expressions)):
        assert name in infra.locals, f"local.{name} is not defined"
    for type_, name in set(re.findall(r"\b(google_\w+)\.(\w+)", expressions)):
        assert (type_, name) in infra.resources, f"{type_}.{name} is not declared"
    for type_, name in set(re.findall(r"\bdata\.(\w+)\.(\w+)", expressions)):
        assert (type_, name) in infra.data, f"data.{type_}.{name} is not declared"


def test_terraform_fmt_accepts_the_files() -> None:
    """A syntax check by Terraform itself, where its binary is installed (no providers needed)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-list=true", str(INFRA)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"terraform fmt: {result.stdout}{result.stderr}"


def test_routes_tfvars_is_the_generated_route_table() -> None:
    committed = (INFRA / "routes.auto.tfvars.json").read_text()
    assert committed == terraform_routes.render(), (
        "infra/routes.auto.tfvars.json is stale: "
        "python -m dev.terraform_routes > infra/routes.auto.tfvars.json"
    )
    routes = json.loads(committed)["routes"]
    assert set(routes) == {r.function_name for r in ROUTES}


def test_every_variable_is_set() -> None:
    """Variables without a default come from each environment's tfvars or the route table."""
    generated = set(terraform_routes.tfvars())
    for environment in ("dev", "tst", "prd"):
        values = load_tfvars(INFRA / "environments" / f"{environment}.tfvars")
        assert values["environment"] == environment
        assert values["api_domain"] == f"{environment}.api.carpulsetracker.com"
        assert values["wui_url"].startswith("https://")
        for name, variable in INFRA_STATE.variables.items():
            if "default" not in variable:
                assert name in values or name in generated, f"{environment}: {name} unset"
        assert set(values) <= set(INFRA_STATE.variables), f"{environment}: unknown variables"


# --------------------------------------------------------------------------------------------
# Nothing public
# --------------------------------------------------------------------------------------------


def test_buckets_are_private() -> None:
    buckets = INFRA_STATE.of_type("google_storage_bucket")
    assert set(buckets) == {"reports", "sources"}
    for name, bucket in buckets.items():
        assert bucket["public_access_prevention"] == "enforced", name
        assert bucket["uniform_bucket_level_access"] is True, name
    forbidden = {"google_storage_bucket_acl", "google_storage_default_object_acl",
                 "google_storage_object_acl", "google_storage_bucket_access_control",
                 "google_storage_default_object_access_control"}  # fmt: skip
    assert not {t for t, _ in INFRA_STATE.resources} & forbidden


def test_all_users_only_invokes_public_functions() -> None:
    """allUsers appears once: run.invoker on the public functions, whose ingress admits only the
    load balancer. Never on a bucket, a secret, the project or the worker; allAuthenticatedUsers
    nowhere."""
    grants = []
    for (type_, name), body in INFRA_STATE.resources.items():
        text = " ".join(walk_strings(body))
        assert "allAuthenticatedUsers" not in text, f"{type_}.{name}"
        if "allUsers" in text:
            grants.append((type_, name, body))
    assert len(grants) == 1
    type_, name, body = grants[0]
    assert (type_, body["member"], body["role"]) == (
        "google_cloud_run_service_iam_member",
        "allUsers",
        "roles/run.invoker",
    )
    assert body["for_each"] == "${local.public_routes}"
    assert body["service"] == "${google_cloudfunctions2_function.public[each.key].name}"


def test_versioning_off_and_retention_rule_on_reports() -> None:
    bucket = INFRA_STATE.resource("google_storage_bucket", "reports")
    assert bucket["versioning"] == [{"enabled": False}]
    rules = [(rule["action"][0]["type"], rule["condition"][0]) for rule in bucket["lifecycle_rule"]]
    personal = {
        "age": "${var.reports_retention_days}",
        "matches_suffix": "${local.personal_data_suffixes}",
    }
    assert ("Delete", personal) in rules
    assert ("Delete", {"age": "${var.bookkeeping_retention_days}"}) in rules
    assert 1 <= INFRA_STATE.default("reports_retention_days") <= 3650
    bookkeeping_days = INFRA_STATE.default("bookkeeping_retention_days")
    assert bookkeeping_days == Settings().bookkeeping_retention_days
    for environment in ("dev", "tst", "prd"):
        values = load_tfvars(INFRA / "environments" / f"{environment}.tfvars")
        assert values.get("reports_retention_days", 1) >= 1


# --------------------------------------------------------------------------------------------
# Firestore TTL
# --------------------------------------------------------------------------------------------


def test_ttl_on_exactly_the_collections_the_code_expires() -> None:
    fields = INFRA_STATE.of_type("google_firestore_field")
    assert set(fields) == {"ttl"}
    ttl = fields["ttl"]
    assert ttl["ttl_config"] == [{}]
    assert ttl["for_each"] == "${local.ttl_policies}"
    assert ttl["collection"] == "${each.value}"
    field = INFRA_STATE.default(expr(ttl["field"]).removeprefix("var."))
    collections = {
        INFRA_STATE.default(expr(value).removeprefix("var."))
        if value.startswith("${var.")
        else value
        for value in INFRA_STATE.locals["ttl_policies"].values()
    }
    defaults = Settings()
    expected = {
        defaults.sessions_collection,
        defaults.oauth_states_collection,
        defaults.rate_limits_collection,
        report_store.CAR_REPORTS,
        report_store.ARTIFACTS,
        webhooks.EVENTS_COLLECTION,
        defaults.payment_ledger_collection,
        defaults.shares_collection,  # share and verify (infra/sharing.tf)
        defaults.issued_reports_collection,
    }
    assert {(c, field) for c in collections} == {(c, "expires_at") for c in expected}
    # The variables are the settings: the same names reach the functions' environment.
    env = INFRA_STATE.locals["common_env"]
    for setting in ("sessions_collection", "oauth_states_collection", "rate_limits_collection"):
        assert env[f"CPT_{setting.upper()}"] == f"${{var.{setting}}}"


def test_code_writes_the_ttl_field() -> None:
    root = INFRA.parent / "shared"
    for module in (
        "orders/sessions.py",
        "connect/oauth_states.py",
        "platform/rate_limits.py",
        "delivery/report_store.py",
        "delivery/worker.py",
        "payments/webhooks.py",
    ):
        assert "expires_at" in (root / module).read_text(), module


# --------------------------------------------------------------------------------------------
# Least privilege
# --------------------------------------------------------------------------------------------

IAM_TYPES = {
    "google_project_iam_member": "project",
    "google_storage_bucket_iam_member": "bucket",
    "google_cloud_tasks_queue_iam_member": "queue",
    "google_service_account_iam_member": "service_account",
    "google_secret_manager_secret_iam_member": "secrets",
    "google_cloud_run_service_iam_member": "functions",
    "google_kms_crypto_key_iam_member": "kms",
}
GRANTED_ON = {"bucket": "bucket", "queue": "name", "kms": "crypto_key_id"}


def _member(value: str) -> str:
    match = re.fullmatch(r"serviceAccount:\$\{google_service_account\.(\w+)\.email\}", value)
    return match.group(1) if match else value


def _grants() -> set[tuple[str, str, str]]:
    """(who, role, on what) for every IAM grant in infra/."""
    grants: set[tuple[str, str, str]] = set()
    for (type_, name), body in INFRA_STATE.resources.items():
        if "iam" not in type_:
            continue
        assert type_ in IAM_TYPES, f"{type_}.{name}: only additive *_iam_member grants allowed"
        kind = IAM_TYPES[type_]
        for_each = body.get("for_each", "")
        for_each_text = str(for_each)
        roles = [body["role"]]
        if body["role"] == "${each.value}":
            roles = _list_literal(for_each_text)
        if kind == "project":
            scope = "project"
        elif kind in GRANTED_ON:  # one resource, named by this attribute of the grant
            scope = f"{kind}:" + expr(body[GRANTED_ON[kind]]).split(".")[1]
        elif kind == "service_account":
            if body["service_account_id"] == "${each.value}":
                targets = re.findall(r"google_service_account\.(\w+)\.name", str(for_each))
            else:
                targets = [expr(body["service_account_id"]).split(".")[1]]
            for target in targets:
                grants.update((_member(body["member"]), role, f"sa:{target}") for role in roles)
            continue
        else:  # secrets / functions: one grant per for_each item
            scope = f"{kind}:{expr(for_each)}"
        grants.update((_member(body["member"]), role, scope) for role in roles)
    return grants


EXPECTED_GRANTS = {
    ("api", "roles/datastore.user", "project"),
    ("api", "roles/storage.objectCreator", "bucket:reports"),
    ("api", "roles/storage.objectViewer", "bucket:reports"),
    ("api", "roles/cloudtasks.enqueuer", "queue:reports"),
    ("api", "roles/iam.serviceAccountUser", "sa:tasks_invoker"),
    ("api", "roles/secretmanager.secretAccessor", "secrets:toset(local.api_secrets)"),
    ("worker", "roles/datastore.user", "project"),
    ("worker", "roles/storage.objectAdmin", "bucket:reports"),
    ("worker", "roles/cloudtasks.enqueuer", "queue:reports"),  # offline retries, reconciler
    ("worker", "roles/iam.serviceAccountUser", "sa:tasks_invoker"),
    ("worker", "roles/secretmanager.secretAccessor", "secrets:toset(local.worker_secrets)"),
    ("tasks_invoker", "roles/run.invoker", "functions:local.internal_routes"),
    # Report signing (infra/sharing.tf): the worker signs what it builds, the API re-rendered
    # PDFs; both read the public keys they publish.
    ("api", "roles/cloudkms.signerVerifier", "kms:report_signing"),
    ("worker", "roles/cloudkms.signerVerifier", "kms:report_signing"),
    ("allUsers", "roles/run.invoker", "functions:local.public_routes"),
    # Cloud Build deploying functions (reference §1.7), and actAs only on the runtime accounts.
    ("deployer", "roles/cloudfunctions.developer", "project"),
    ("deployer", "roles/run.admin", "project"),
    ("deployer", "roles/storage.admin", "project"),
    ("deployer", "roles/artifactregistry.writer", "project"),
    ("deployer", "roles/logging.logWriter", "project"),
    ("deployer", "roles/cloudbuild.builds.editor", "project"),
    ("deployer", "roles/iam.serviceAccountUser", "sa:api"),
    ("deployer", "roles/iam.serviceAccountUser", "sa:worker"),
    ("deployer", "roles/iam.serviceAccountUser", "sa:deployer"),
    # Operators change commerce data with the admin tool (infra/commerce.tf).
    ("group:${var.commerce_operators_group}", "roles/datastore.user", "project"),
}


def test_each_service_account_holds_exactly_its_grants() -> None:
    assert _grants() == EXPECTED_GRANTS


def test_no_primitive_roles_anywhere() -> None:
    text = " ".join(INFRA_STATE.texts.values())
    for role in ("roles/owner", "roles/editor", "roles/viewer", "roles/iam.securityAdmin"):
        assert role not in text
    assert not [g for g in _grants() if g[0] in {"api", "worker"} and "admin" in g[1].lower()
                and g[2] != "bucket:reports"]  # fmt: skip
    assert not [g for g in _grants() if g[0] == "api" and "admin" in g[1].lower()]


def test_one_service_account_per_role() -> None:
    accounts = INFRA_STATE.of_type("google_service_account")
    assert {name: body["account_id"] for name, body in accounts.items()} == {
        "api": deploy_plan.API_ACCOUNT,
        "worker": deploy_plan.WORKER_ACCOUNT,
        "tasks_invoker": deploy_plan.TASKS_INVOKER_ACCOUNT,
        "deployer": deploy_plan.DEPLOYER_ACCOUNT,
    }


def test_routes_split_into_public_and_internal_functions() -> None:
    locals_ = INFRA_STATE.locals
    assert locals_["public_routes"] == (
        "${{for name, route in var.routes : name => route if route.public}}"
    )
    assert locals_["internal_routes"] == (
        "${{for name, route in var.routes : name => route if !route.public}}"
    )
    functions = INFRA_STATE.of_type("google_cloudfunctions2_function")
    assert set(functions) == {"public", "internal"}
    expected = {
        "public": ("${local.public_routes}", "api", "ALLOW_INTERNAL_AND_GCLB", "public_env"),
        "internal": ("${local.internal_routes}", "worker", "ALLOW_INTERNAL_ONLY", "internal_env"),
    }
    for name, (for_each, account, ingress, env) in expected.items():
        function = functions[name]
        service = function["service_config"][0]
        build = function["build_config"][0]
        assert function["for_each"] == for_each
        assert function["name"] == "${each.key}"
        assert build["entry_point"] == "${each.value.target}"
        assert build["runtime"] == "${var.runtime}"
        assert INFRA_STATE.default("runtime") == deploy_plan.RUNTIME
        assert build["source"][0]["storage_source"][0]["object"] == (
            "${google_storage_bucket_object.source.name}"
        )
        assert service["service_account_email"] == f"${{google_service_account.{account}.email}}"
        assert service["ingress_settings"] == ingress
        assert service["available_memory"] == "${each.value.memory}"
        assert service["timeout_seconds"] == "${each.value.timeout_s}"
        assert service["max_instance_count"] == "${each.value.max_instances}"
        assert service["environment_variables"] == f"${{local.{env}}}"
    # Internal routes: the worker (Cloud Tasks) and what Cloud Scheduler calls; only the tasks
    # service account invokes them, with an OIDC token the function checks itself.
    assert WORKER.function_name in INTERNAL
    assert set(INTERNAL) == {route.function_name for route in ROUTES if not route.public}


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------


def test_every_secret_a_function_uses_is_declared_and_granted() -> None:
    locals_ = INFRA_STATE.locals
    assert locals_["secret_fields"] == (
        "${sort(distinct(flatten([for route in values(var.routes) : route.secrets])))}"
    )
    assert locals_["api_secrets"] == (
        "${sort(distinct(flatten([for route in values(local.public_routes) : route.secrets])))}"
    )
    assert locals_["worker_secrets"] == (
        "${sort(distinct(flatten([for route in values(local.internal_routes) : route.secrets])))}"
    )
    secret = INFRA_STATE.resource("google_secret_manager_secret", "cpt")
    assert secret["for_each"] == "${local.secret_id_of}"
    assert "secret_data" not in " ".join(INFRA_STATE.texts.values())
    assert not INFRA_STATE.of_type("google_secret_manager_secret_version")
    for function in INFRA_STATE.of_type("google_cloudfunctions2_function").values():
        dynamic = function["service_config"][0]["dynamic"][0]["secret_environment_variables"]
        assert dynamic["for_each"] == "${toset(each.value.secrets)}"
        content = dynamic["content"][0]
        assert content["key"] == "CPT_${upper(secret_environment_variables.value)}"
        assert content["secret"] == (
            "${google_secret_manager_secret.cpt[secret_environment_variables.value].secret_id}"
        )
    # Every secret a route names is a secret settings field; ids agree with dev/deploy_plan.py.
    used = {s for route in ROUTES for s in route.secrets}
    assert used <= SECRET_FIELDS
    assert expr(locals_["secret_id_of"]) == (
        '{for field in local.secret_fields : field => "cpt-${replace(field, "_", "-")}"}'
    )
    assert all(deploy_plan.secret_name(s) == "cpt-" + s.replace("_", "-") for s in used)


# --------------------------------------------------------------------------------------------
# Environment of the functions
# --------------------------------------------------------------------------------------------


def _env_names(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value)
    return set(re.findall(r"\b(CPT_[A-Z0-9_]+)\s*=", str(value)))


def test_function_environment_names_are_settings() -> None:
    locals_ = INFRA_STATE.locals
    names = set()
    for key in ("common_env", "public_env", "internal_env"):
        names |= _env_names(locals_[key])
    for name in names:
        assert name.removeprefix("CPT_").lower() in SETTINGS_FIELDS, name
    required = {"CPT_ENVIRONMENT", "CPT_PROJECT_ID", "CPT_REPORTS_BUCKET", "CPT_WUI_URL",
                "CPT_TASKS_INVOKER_SERVICE_ACCOUNT", "CPT_TESLA_REDIRECT_URI"}  # fmt: skip
    assert required <= _env_names(locals_["common_env"])
    assert "CPT_WORKER_URL" in _env_names(locals_["public_env"])
    # The worker verifies the token's audience against its own URL, so it is told it too.
    assert "CPT_WORKER_URL" in _env_names(locals_["internal_env"])
    assert 'CPT_TRUSTED_PROXY_HOPS = "2"' in locals_["public_env"]
    assert locals_["common_env"]["CPT_TESLA_REDIRECT_URI"] == (
        "https://${var.api_domain}${var.api_prefix}/tesla/oauth/callback"
    )
    # The worker URL is the worker function's URL plus the route's path (also the OIDC audience),
    # written out (a function cannot take its own URL as input) and checked against Google's.
    assert locals_["worker_function_url"] == (
        "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.worker_name}"
    )
    assert locals_["worker_url"] == (
        "${local.worker_function_url}${var.routes[local.worker_name].full_path}"
    )
    internal = INFRA_STATE.resource("google_cloudfunctions2_function", "internal")
    conditions = [p["condition"] for p in internal["lifecycle"][0]["postcondition"]]
    assert "${each.key != local.worker_name || self.url == local.worker_function_url}" in conditions
    assert INFRA_STATE.default("worker_target") == WORKER.target


def test_each_function_loads_its_settings_with_only_its_own_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("CPT_"):
            monkeypatch.delenv(name)
    failures = []
    for route in ROUTES:
        env = {
            "CPT_ENVIRONMENT": "dev",
            "CPT_WUI_URL": "https://dev.carpulsetracker.com",
            "CPT_TASKS_INVOKER_SERVICE_ACCOUNT": "cpt-tasks-invoker@p.iam.gserviceaccount.com",
        }
        env |= {f"CPT_{s.upper()}": f"real-{s}-value" for s in route.secrets}
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            try:
                Settings()
            except ValueError as error:
                failures.append(f"{route.function_name}: {error}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# Queue and the public entry
# --------------------------------------------------------------------------------------------


def test_queue_limits_and_dispatch_deadline() -> None:
    queue = INFRA_STATE.resource("google_cloud_tasks_queue", "reports")
    assert queue["name"] == "${var.tasks_queue}"
    assert INFRA_STATE.default("tasks_queue") == Settings().tasks_queue
    limits = queue["rate_limits"][0]
    assert limits["max_concurrent_dispatches"] == "${var.tasks_max_concurrent_dispatches}"
    assert limits["max_dispatches_per_second"] == "${var.tasks_max_dispatches_per_second}"
    concurrent = INFRA_STATE.default("tasks_max_concurrent_dispatches")
    assert 1 <= concurrent <= WORKER.max_instances
    assert 0 < INFRA_STATE.default("tasks_max_dispatches_per_second") <= 5
    retry = queue["retry_config"][0]
    assert {"min_backoff", "max_backoff", "max_doublings", "max_attempts"} <= set(retry)
    assert int(retry["min_backoff"].rstrip("s")) < int(retry["max_backoff"].rstrip("s"))
    # The deadline in effect is Cloud Tasks' default (shared/delivery/tasks.py sets none per task).
    assert (
        "dispatch_deadline" not in (INFRA.parent / "shared" / "delivery" / "tasks.py").read_text()
    )
    deadline = INFRA_STATE.locals["tasks_dispatch_deadline_s"]
    assert deadline == 600
    assert deadline <= WORKER.timeout_s
    conditions = [p["condition"] for p in queue["lifecycle"][0]["precondition"]]
    assert (
        "${local.tasks_dispatch_deadline_s <= var.routes[local.worker_name].timeout_s}"
        in conditions
    )


def test_make_up_queue_mirrors_the_clouds() -> None:
    """`make up` runs the Cloud Tasks emulator with this queue's limits and retries."""
    queue = INFRA_STATE.resource("google_cloud_tasks_queue", "reports")
    retry = queue["retry_config"][0]
    local = CLOUD_REPORTS_QUEUE
    assert local.max_concurrent_dispatches == INFRA_STATE.default("tasks_max_concurrent_dispatches")
    assert local.max_dispatches_per_second == INFRA_STATE.default("tasks_max_dispatches_per_second")
    assert local.max_attempts == INFRA_STATE.default("tasks_max_attempts")
    assert retry["max_attempts"] == "${var.tasks_max_attempts}"
    assert f"{local.min_backoff_s:g}s" == retry["min_backoff"]
    assert f"{local.max_backoff_s:g}s" == retry["max_backoff"]
    assert local.max_doublings == retry["max_doublings"]
    assert f"{local.max_retry_duration_s:g}s" == retry["max_retry_duration"]


def _template_regex(value: str) -> re.Pattern[str]:
    """A URL-map path_template_match (``{name=*}`` = one segment) as a regex."""
    pattern = re.sub(r"\\\{\w+=\\\*\\\}", "[^/]+", re.escape(value))
    return re.compile(f"^{pattern}$")


def test_every_public_route_is_on_the_load_balancer_and_only_there() -> None:
    for kind in ("google_compute_region_network_endpoint_group", "google_compute_backend_service"):
        assert INFRA_STATE.resource(kind, "api")["for_each"] == "${local.public_routes}"
    backend = INFRA_STATE.resource("google_compute_backend_service", "api")
    assert backend["load_balancing_scheme"] == "EXTERNAL_MANAGED"
    assert backend["security_policy"] == "${google_compute_security_policy.api.id}"
    neg = INFRA_STATE.resource("google_compute_region_network_endpoint_group", "api")
    assert neg["cloud_run"][0]["service"] == (
        "${google_cloudfunctions2_function.public[each.key].name}"
    )
    matcher = INFRA_STATE.resource("google_compute_url_map", "api")["path_matcher"][0]
    rules = matcher["dynamic"][0]["route_rules"]
    assert rules["for_each"] == "${local.lb_rules}"
    assert "for name in sort(keys(local.public_routes))" in INFRA_STATE.locals["lb_rules"]
    # Semantics of the generated matchers: each public path (with sample parameters) is matched
    # by its own rule and by no other; the worker's path by none.
    rows = terraform_routes.tfvars()["routes"]
    matchers = {
        name: (
            re.compile(f"^{re.escape(row['lb_match']['value'])}$")
            if row["lb_match"]["kind"] == "full_path_match"
            else _template_regex(row["lb_match"]["value"])
        )
        for name, row in rows.items()
        if row["public"]
    }
    assert set(matchers) == set(PUBLIC)
    for route in ROUTES:
        sample = re.sub(r"\{\w+\}", "abc123", route.full_path)
        hits = {name for name, pattern in matchers.items() if pattern.match(sample)}
        assert hits == ({route.function_name} if route.public else set()), route.full_path
        assert route.full_path_pattern.match(sample)


def test_cloud_armor_limits_per_ip() -> None:
    policy = INFRA_STATE.resource("google_compute_security_policy", "api")
    throttles = [rule for rule in policy["rule"] if rule["action"] == "throttle"]
    assert throttles
    for rule in throttles:
        options = rule["rate_limit_options"][0]
        assert options["enforce_on_key"] == "IP"
        assert options["exceed_action"] == "deny(429)"
        assert options["rate_limit_threshold"][0]["interval_sec"] == 60


def test_https_only_with_modern_tls() -> None:
    proxy = INFRA_STATE.resource("google_compute_target_https_proxy", "api")
    assert proxy["url_map"] == "${google_compute_url_map.api.id}"
    assert INFRA_STATE.resource("google_compute_ssl_policy", "api")["min_tls_version"] == "TLS_1_2"
    redirect = INFRA_STATE.resource("google_compute_url_map", "http_redirect")
    assert redirect["default_url_redirect"][0]["https_redirect"] is True


# --------------------------------------------------------------------------------------------
# The gcloud deploy commands agree with Terraform
# --------------------------------------------------------------------------------------------


def _flags(command: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("--").split("=", 1) for arg in command if "=" in arg)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function_name)
def test_deploy_command_matches_terraform(route) -> None:
    command = deploy_plan.deploy_command(route, "cpt-dev", "europe-north1", "dev")
    flags = _flags(command)
    account = deploy_plan.API_ACCOUNT if route.public else deploy_plan.WORKER_ACCOUNT
    assert flags["service-account"] == f"{account}@cpt-dev.iam.gserviceaccount.com"
    assert flags["ingress-settings"] == ("internal-and-gclb" if route.public else "internal-only")
    assert flags["entry-point"] == route.target
    assert flags["source"] == "."
    assert flags["memory"] == route.memory and flags["timeout"] == f"{route.timeout_s}s"
    assert flags["max-instances"] == str(route.max_instances)
    assert flags["build-service-account"].endswith(
        f"/{deploy_plan.DEPLOYER_ACCOUNT}@cpt-dev.iam.gserviceaccount.com"
    )
    # --update-env-vars keeps what Terraform set (worker URL, WUI URL, client ids).
    assert "set-env-vars" not in flags
    env = dict(pair.split("=", 1) for pair in flags["update-env-vars"].split(","))
    assert env["CPT_TRUSTED_PROXY_HOPS"] == ("2" if route.public else "1")
    assert env["CPT_REPORTS_BUCKET"] == "cpt-dev-cpt-reports"
    assert INFRA_STATE.resource("google_storage_bucket", "reports")["name"] == (
        "${var.project_id}-cpt-reports"
    )
    for name in env:
        assert name.removeprefix("CPT_").lower() in SETTINGS_FIELDS
    secrets = dict(pair.split("=", 1) for pair in flags.get("set-secrets", "").split(",") if pair)
    assert secrets == {
        f"CPT_{s.upper()}": f"{deploy_plan.secret_name(s)}:latest" for s in route.secrets
    }
    assert ("--allow-unauthenticated" in command) is route.public
