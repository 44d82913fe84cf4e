# Cloud Build: on a push to deploy_branch, run cloudbuild.yaml (lint, tests, deploy) as the
# deployer service account. Needs the Cloud Build GitHub App installed on the repository once.
resource "google_cloudbuild_trigger" "deploy" {
  count           = var.github_repository == "" ? 0 : 1
  project         = var.project_id
  location        = "global"
  name            = "cpt-deploy-${var.environment}"
  description     = "Test and deploy ${var.environment} from ${var.deploy_branch}"
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.deployer.id

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.deploy_branch
    }
  }

  substitutions = {
    _ENVIRONMENT = var.environment
    _REGION      = var.region
  }

  depends_on = [google_project_service.enabled]
}
