# Every row of the route table is one Cloud Function (2nd gen), built from the repository root
# (main.py + functions/ + shared/ + config/ + requirements.txt) with entry point = the target.
# Public rows run as cpt-api behind the load balancer; internal rows (the report worker) run as
# cpt-worker and accept only internal traffic (Cloud Tasks) with an OIDC token of the invoker.
#
# Terraform creates the functions and owns their configuration; Cloud Build redeploys the code
# on every push with the same flags (dev/deploy_plan.py), so the source object is ignored here.

resource "google_cloudfunctions2_function" "internal" {
  for_each    = local.internal_routes
  project     = var.project_id
  location    = var.region
  name        = each.key
  description = "${each.value.method} ${each.value.full_path} (internal)"

  build_config {
    runtime         = var.runtime
    entry_point     = each.value.target
    service_account = google_service_account.deployer.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = each.value.memory
    timeout_seconds                = each.value.timeout_s
    max_instance_count             = each.value.max_instances
    min_instance_count             = 0
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.worker.email
    environment_variables          = local.internal_env

    dynamic "secret_environment_variables" {
      for_each = toset(each.value.secrets)
      content {
        key        = "CPT_${upper(secret_environment_variables.value)}"
        project_id = var.project_id
        secret     = google_secret_manager_secret.cpt[secret_environment_variables.value].secret_id
        version    = var.secret_version
      }
    }
  }

  lifecycle {
    ignore_changes = [build_config[0].source, labels]
    postcondition {
      # The worker's URL (task target, OIDC audience the worker verifies) is computed in main.tf.
      condition     = each.key != local.worker_name || self.url == local.worker_function_url
      error_message = "The worker's URL is not the one main.tf computes (local.worker_function_url)."
    }
  }

  depends_on = [
    google_project_iam_member.worker,
    google_secret_manager_secret_iam_member.worker,
    google_service_account_iam_member.deployer_acts_as_runtime,
    google_project_iam_member.deployer,
    google_project_iam_member.deployer_builds,
  ]
}

resource "google_cloudfunctions2_function" "public" {
  for_each    = local.public_routes
  project     = var.project_id
  location    = var.region
  name        = each.key
  description = "${each.value.method} ${each.value.full_path}"

  build_config {
    runtime         = var.runtime
    entry_point     = each.value.target
    service_account = google_service_account.deployer.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = each.value.memory
    timeout_seconds                = each.value.timeout_s
    max_instance_count             = each.value.max_instances
    min_instance_count             = 0
    ingress_settings               = "ALLOW_INTERNAL_AND_GCLB"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.api.email
    environment_variables          = local.public_env

    dynamic "secret_environment_variables" {
      for_each = toset(each.value.secrets)
      content {
        key        = "CPT_${upper(secret_environment_variables.value)}"
        project_id = var.project_id
        secret     = google_secret_manager_secret.cpt[secret_environment_variables.value].secret_id
        version    = var.secret_version
      }
    }
  }

  lifecycle {
    ignore_changes = [build_config[0].source, labels]
  }

  depends_on = [
    google_project_iam_member.api,
    google_secret_manager_secret_iam_member.api,
    google_service_account_iam_member.deployer_acts_as_runtime,
    google_project_iam_member.deployer,
    google_project_iam_member.deployer_builds,
  ]
}

# Public functions take anonymous requests, but only through the load balancer (ingress
# internal-and-gclb above), where Cloud Armor limits them; the functions check everything else
# themselves (sessions, webhook signatures).
resource "google_cloud_run_service_iam_member" "public_invoker" {
  #checkov:skip=CKV_GCP_102:Public API by design: reachable only through the external load balancer (ingress ALLOW_INTERNAL_AND_GCLB) with Cloud Armor in front; the worker has no such grant.
  for_each = local.public_routes
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.public[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
