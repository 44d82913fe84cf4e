# The reconciler (shared/operations/reconciler.py): Cloud Scheduler calls the internal function
# every `reconcile_every_minutes` with an OIDC token of the invoker account, which already holds
# run.invoker on every internal function (iam.tf) and nothing else. A run is idempotent; a run
# that fails is not retried by the scheduler, the next one comes within minutes anyway.

variable "reconcile_every_minutes" {
  description = "How often the reconciler looks for paid orders that stopped moving."
  type        = number
  default     = 5
}

locals {
  reconciler_name = one([for name, route in var.routes : name if route.target == "operations_reconcile"])
  reconciler_url  = "${google_cloudfunctions2_function.internal[local.reconciler_name].url}${var.routes[local.reconciler_name].full_path}"
}

resource "google_project_service" "scheduler" {
  project            = var.project_id
  service            = "cloudscheduler.googleapis.com"
  disable_on_destroy = false
}

resource "google_cloud_scheduler_job" "reconcile" {
  project     = var.project_id
  region      = var.region
  name        = "cpt-reconcile"
  description = "Repairs paid orders whose generation, tasks, manifest, receipt or delivery record was lost."
  schedule    = "*/${var.reconcile_every_minutes} * * * *"
  time_zone   = "Etc/UTC"
  # As long as the function may run; an overlapping run would only repeat idempotent checks.
  attempt_deadline = "${var.routes[local.reconciler_name].timeout_s}s"

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = local.reconciler_url
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.tasks_invoker.email
      audience              = local.reconciler_url
    }
  }

  depends_on = [google_project_service.scheduler]
}

# The reconciler's collection-group queries over every order's cars: running with an expired
# lease, and pending untouched for a while (equality on status, range on the other field).
resource "google_firestore_index" "stuck_cars" {
  for_each    = toset(["lease_until", "updated_at"])
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "car_reports"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = each.value
    order      = "ASCENDING"
  }
}
