locals {
  repo_root = abspath("${path.module}/..")

  public_routes   = { for name, route in var.routes : name => route if route.public }
  internal_routes = { for name, route in var.routes : name => route if !route.public }

  # The function Cloud Tasks calls, and the URL (function URL + route path) a task is sent to:
  # the route matches at the end of the request path, and the OIDC audience is this full URL,
  # which the worker itself checks (CPT_WORKER_URL in its own environment too). Written out
  # rather than read from the function, which cannot take its own URL as an input; a
  # postcondition on the function checks that it is the URL Google gave it.
  worker_name         = one([for name, route in var.routes : name if route.target == var.worker_target])
  worker_function_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.worker_name}"
  worker_url          = "${local.worker_function_url}${var.routes[local.worker_name].full_path}"

  # Cloud Tasks' dispatch deadline for HTTP tasks when the task sets none (shared/tasks.py sets
  # none): 10 minutes. It must not exceed the worker's timeout, or every long build is retried
  # while it is still running.
  tasks_dispatch_deadline_s = 600

  # Secret Manager: every settings secret a route injects (route table `secrets=`).
  secret_fields  = sort(distinct(flatten([for route in values(var.routes) : route.secrets])))
  api_secrets    = sort(distinct(flatten([for route in values(local.public_routes) : route.secrets])))
  worker_secrets = sort(distinct(flatten([for route in values(local.internal_routes) : route.secrets])))
  secret_id_of   = { for field in local.secret_fields : field => "cpt-${replace(field, "_", "-")}" }

  # Firestore TTL: collection group → the Timestamp field whose value is the expiry.
  ttl_policies = {
    sessions     = var.sessions_collection
    oauth_states = var.oauth_states_collection
    rate_limits  = var.rate_limits_collection
    # Subcollections of an order (TTL does not cascade) and payment event records.
    car_reports    = "car_reports"
    artifacts      = "artifacts"
    payment_events = "payment_events"
    # Kept for the bookkeeping duty: expires_at is bookkeeping_retention_days after its last change.
    payment_ledger = var.payment_ledger_collection
    # Share and verify (infra/sharing.tf): links a while after they stop working; issued
    # reports with the stored report (reports_retention_days).
    report_shares  = "report_shares"
    issued_reports = "issued_reports"
  }

  # Environment of every function (names are shared/settings.py fields with the CPT_ prefix).
  common_env = {
    CPT_ENVIRONMENT                   = var.environment
    CPT_PROJECT_ID                    = var.project_id
    CPT_REGION                        = var.region
    CPT_API_PREFIX                    = var.api_prefix
    CPT_REPORTS_BUCKET                = google_storage_bucket.reports.name
    CPT_SESSIONS_COLLECTION           = var.sessions_collection
    CPT_OAUTH_STATES_COLLECTION       = var.oauth_states_collection
    CPT_RATE_LIMITS_COLLECTION        = var.rate_limits_collection
    CPT_TASKS_QUEUE                   = google_cloud_tasks_queue.reports.name
    CPT_TASKS_LOCATION                = var.region
    CPT_TASKS_INVOKER_SERVICE_ACCOUNT = google_service_account.tasks_invoker.email
    CPT_WUI_URL                       = var.wui_url
    CPT_TESLA_CLIENT_ID               = var.tesla_client_id
    CPT_TESLA_REDIRECT_URI            = "https://${var.api_domain}${var.api_prefix}/tesla/oauth/callback"
    CPT_TESLA_AUTH_URL                = var.tesla_auth_url
    CPT_TESLA_FLEET_URL_TEMPLATE      = var.tesla_fleet_url_template
    CPT_STRIPE_PUBLISHABLE_KEY        = var.stripe_publishable_key
    CPT_PAYPAL_CLIENT_ID              = var.paypal_client_id
    CPT_PAYPAL_API_BASE               = var.paypal_api_base
    CPT_PAYPAL_WEBHOOK_ID             = var.paypal_webhook_id
    CPT_PAYMENT_LEDGER_COLLECTION     = var.payment_ledger_collection
    CPT_BOOKKEEPING_RETENTION_DAYS    = tostring(var.bookkeeping_retention_days)
    CPT_REPORTS_RETENTION_DAYS        = tostring(var.reports_retention_days)
  }
  # Public functions sit behind the external load balancer: Google's front end and the load
  # balancer each append to X-Forwarded-For (docs/security.md).
  public_env = merge(local.common_env, {
    CPT_WORKER_URL         = local.worker_url
    CPT_TRUSTED_PROXY_HOPS = "2"
  })
  internal_env = merge(local.common_env, {
    CPT_WORKER_URL         = local.worker_url
    CPT_TRUSTED_PROXY_HOPS = "1"
  })

  apis = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudtasks.googleapis.com",
    "compute.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "enabled" {
  for_each           = toset(local.apis)
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
