# One service account per role, each with only what that role does. No project-wide role beyond
# Firestore access for the runtimes and the deploy roles reference §1.7 lists for Cloud Build.

resource "google_service_account" "api" {
  project      = var.project_id
  account_id   = "cpt-api"
  display_name = "CPT public API functions"
}

resource "google_service_account" "worker" {
  project      = var.project_id
  account_id   = "cpt-worker"
  display_name = "CPT report worker"
}

resource "google_service_account" "tasks_invoker" {
  project      = var.project_id
  account_id   = "cpt-tasks-invoker"
  display_name = "CPT Cloud Tasks OIDC identity (invokes the report worker)"
}

resource "google_service_account" "deployer" {
  project      = var.project_id
  account_id   = "cpt-deployer"
  display_name = "CPT Cloud Build deployer"
}

# --- Public API functions -------------------------------------------------------------------

resource "google_project_iam_member" "api" {
  for_each = toset(["roles/datastore.user"])
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.api.email}"
}

# Manifests and receipts are create-only; reports are read (streamed) but never changed here.
resource "google_storage_bucket_iam_member" "api" {
  for_each = toset(["roles/storage.objectCreator", "roles/storage.objectViewer"])
  bucket   = google_storage_bucket.reports.name
  role     = each.value
  member   = "serviceAccount:${google_service_account.api.email}"
}

resource "google_cloud_tasks_queue_iam_member" "api_enqueuer" {
  project  = var.project_id
  location = google_cloud_tasks_queue.reports.location
  name     = google_cloud_tasks_queue.reports.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.api.email}"
}

# Creating a task with an OIDC token for the invoker needs iam.serviceAccounts.actAs on it.
resource "google_service_account_iam_member" "api_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.api.email}"
}

resource "google_secret_manager_secret_iam_member" "api" {
  for_each  = toset(local.api_secrets)
  project   = var.project_id
  secret_id = google_secret_manager_secret.cpt[each.value].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}

# --- Report worker --------------------------------------------------------------------------

resource "google_project_iam_member" "worker" {
  for_each = toset(["roles/datastore.user"])
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.worker.email}"
}

# The worker writes each car's JSON and PDF and rewrites delivery.json / charging history.
resource "google_storage_bucket_iam_member" "worker" {
  for_each = toset(["roles/storage.objectAdmin"])
  bucket   = google_storage_bucket.reports.name
  role     = each.value
  member   = "serviceAccount:${google_service_account.worker.email}"
}

# The worker schedules an offline car's next attempt, and the reconciler (which runs as the
# worker) re-queues stuck cars: both create tasks carrying the invoker's OIDC token.
resource "google_cloud_tasks_queue_iam_member" "worker_enqueuer" {
  project  = var.project_id
  location = google_cloud_tasks_queue.reports.location
  name     = google_cloud_tasks_queue.reports.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_service_account_iam_member" "worker_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_secret_manager_secret_iam_member" "worker" {
  for_each  = toset(local.worker_secrets)
  project   = var.project_id
  secret_id = google_secret_manager_secret.cpt[each.value].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.worker.email}"
}

# --- Cloud Tasks invoker: may call the internal functions, nothing else ------------------------

# (A 2nd-gen function is served by the Cloud Run service of the same name; run.invoker on it is
# what an OIDC-authenticated call needs.)
resource "google_cloud_run_service_iam_member" "internal_invoker" {
  for_each = local.internal_routes
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.internal[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.tasks_invoker.email}"
}

# --- Deployer (Cloud Build): the roles reference §1.7 lists -----------------------------------

resource "google_project_iam_member" "deployer" {
  for_each = toset([
    "roles/cloudfunctions.developer",
    "roles/run.admin",
    "roles/storage.admin",
    "roles/artifactregistry.writer",
    "roles/logging.logWriter",
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_project_iam_member" "deployer_builds" {
  #checkov:skip=CKV_GCP_49:Cloud Build Editor is on the deploy-functions role list (reference §1.7); it is granted only to the deployer, which already is the Cloud Build identity and may act as no account but the runtime ones and itself.
  project = var.project_id
  role    = "roles/cloudbuild.builds.editor"
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

# Deploying a function that runs as a service account needs actAs on that account only; the
# builds of the functions run as the deployer too (build_config.service_account).
resource "google_service_account_iam_member" "deployer_acts_as_runtime" {
  for_each = {
    api      = google_service_account.api.name
    worker   = google_service_account.worker.name
    deployer = google_service_account.deployer.name
  }
  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}
