# Secret containers only: values are versions added with `gcloud secrets versions add` (never in
# Terraform, so never in its state). Ids are `cpt-` + the settings field in kebab case, as in
# dev/deploy_plan.py; functions get them as CPT_<FIELD> environment variables.
resource "google_secret_manager_secret" "cpt" {
  for_each  = local.secret_id_of
  project   = var.project_id
  secret_id = each.value

  labels = {
    setting = each.key
  }

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.enabled]
}
