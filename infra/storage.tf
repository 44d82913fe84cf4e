# The reports bucket: PDFs, receipts, order manifests. Never public; functions stream the PDFs.
resource "google_storage_bucket" "reports" {
  #checkov:skip=CKV_GCP_78:Versioning stays off on purpose: a GDPR deletion (lifecycle rule or erasure request) must remove the data, not keep noncurrent copies.
  #checkov:skip=CKV_GCP_62:Access is audited with Cloud Audit Logs (Data Access logs for Cloud Storage); legacy usage-log buckets would be another copy of personal data to retain.
  name                        = "${var.project_id}-cpt-reports"
  project                     = var.project_id
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  # Two retentions (docs/payments.md). Personal data — the car reports ({order}/{vehicle}.json
  # and .pdf, per generation {vehicle}.g{n}.*: their names end in a digit before the extension)
  # and the charging history — goes reports_retention_days after upload (= after delivery).
  lifecycle_rule {
    condition {
      age            = var.reports_retention_days
      matches_suffix = local.personal_data_suffixes
    }
    action {
      type = "Delete"
    }
  }

  # Bookkeeping duty: order.json, receipt.pdf and delivery.json (dispute evidence) are
  # accounting vouchers, kept bookkeeping_retention_days; nothing outlives that.
  lifecycle_rule {
    condition {
      age = var.bookkeeping_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  soft_delete_policy {
    retention_duration_seconds = var.reports_soft_delete_days * 86400
  }

  depends_on = [google_project_service.enabled]
}

locals {
  # A car's report: {vehicle_id}[.g{n}].json/.pdf (ends in a digit), and its PDF re-rendered in
  # another language: {vehicle_id}.{lang}.pdf (shared/delivery/rerender.py).
  personal_data_suffixes = concat(
    flatten([for digit in range(10) : ["${digit}.json", "${digit}.pdf"]]),
    [for lang in ["da", "de", "en", "es", "fi", "fr", "it", "no", "sv"] : ".${lang}.pdf"],
    ["charging_history.json"],
  )
}

# Function source archives (what `gcloud functions deploy --source=.` would upload).
resource "google_storage_bucket" "sources" {
  #checkov:skip=CKV_GCP_78:Source archives are named by content hash and are reproducible from git; versioning would only keep copies of identical objects.
  #checkov:skip=CKV_GCP_62:Holds only build inputs reproducible from git; access is covered by Cloud Audit Logs.
  name                        = "${var.project_id}-cpt-sources"
  project                     = var.project_id
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  lifecycle_rule {
    condition {
      age = 365
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# The upload: the repository root minus .gcloudignore, zipped. .gcloudignore uses gitignore
# patterns; every pattern here is unanchored (no "/" inside), so it excludes that name at any
# depth and everything below it. tests/infra checks the same rules with pathspec.
locals {
  gcloudignore_lines = [
    for line in split("\n", file("${local.repo_root}/.gcloudignore")) : trimspace(line)
    if trimspace(line) != "" && !startswith(trimspace(line), "#")
  ]
  gcloudignore_patterns = [for line in local.gcloudignore_lines : trim(line, "/")]
  source_excludes = distinct(flatten([
    for pattern in local.gcloudignore_patterns : [pattern, "${pattern}/**", "**/${pattern}", "**/${pattern}/**"]
  ]))
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.repo_root
  output_path = "${path.module}/.build/source.zip"
  excludes    = local.source_excludes

  lifecycle {
    precondition {
      condition     = alltrue([for line in local.gcloudignore_lines : !startswith(line, "!") && !strcontains(trim(line, "/"), "/")])
      error_message = ".gcloudignore uses a negation or an anchored path; extend the excludes in infra/storage.tf."
    }
  }
}

resource "google_storage_bucket_object" "source" {
  name   = "functions/${data.archive_file.source.output_sha256}.zip"
  bucket = google_storage_bucket.sources.name
  source = data.archive_file.source.output_path
}
