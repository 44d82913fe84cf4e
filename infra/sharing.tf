# Share and verify (issue 16; docs/sharing.md).
#
# - Routes: the share and verify functions are rows of the route table like every other, so
#   routes.auto.tfvars.json already puts each on the public load balancer (lb.tf: one serverless
#   NEG + backend each, one URL-map rule each). A share token in a URL path has the shape of a
#   session id (secrets.token_urlsafe(32): 43 URL-safe characters), so logging.tf's exclusion of
#   such URLs keeps the tokens out of stored request logs too.
# - Cloud Armor: lb.tf's policy throttles the share and verify paths per client IP
#   (var.verify_rate_limit_per_ip_per_minute), in front of the app's own Firestore-counted limit.
# - The signing key: a Cloud KMS Ed25519 key (EC_SIGN_ED25519). The functions sign with version
#   CPT_REPORT_SIGNING_KMS_KEY_VERSION (default 1) of the key named by the settings' defaults
#   (key ring cpt-signing, key cpt-report-signing, in var.region): a deploy needs no variable.
#   The report worker signs the PDFs it builds; the API account signs PDFs re-rendered in another
#   language and reads the public keys it publishes. Nobody else may use the key.

resource "google_kms_key_ring" "signing" {
  project  = var.project_id
  name     = "cpt-signing"
  location = var.region

  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key" "report_signing" {
  #checkov:skip=CKV_GCP_43:Cloud KMS rotates only symmetric keys by itself; this asymmetric signing key is rotated by adding a key version and raising CPT_REPORT_SIGNING_KMS_KEY_VERSION (docs/sharing.md), so earlier versions keep verifying issued reports.
  name     = "cpt-report-signing"
  key_ring = google_kms_key_ring.signing.id
  purpose  = "ASYMMETRIC_SIGN"

  # SOFTWARE: Ed25519 is offered at that level (since 2024); whether the HSM level offers it in
  # every region is UNVERIFIED here. The key material never leaves Cloud KMS either way.
  version_template {
    algorithm        = "EC_SIGN_ED25519"
    protection_level = "SOFTWARE"
  }

  # Destroying the key would make every report we issued unverifiable.
  lifecycle {
    prevent_destroy = true
  }
}

# Sign (and read the public keys of) the report-signing key: the two runtime accounts only.
resource "google_kms_crypto_key_iam_member" "api_signs_reports" {
  crypto_key_id = google_kms_crypto_key.report_signing.id
  role          = "roles/cloudkms.signerVerifier"
  member        = "serviceAccount:${google_service_account.api.email}"
}

resource "google_kms_crypto_key_iam_member" "worker_signs_reports" {
  crypto_key_id = google_kms_crypto_key.report_signing.id
  role          = "roles/cloudkms.signerVerifier"
  member        = "serviceAccount:${google_service_account.worker.email}"
}

variable "verify_rate_limit_per_ip_per_minute" {
  description = "Cloud Armor: requests per client IP per minute on /verify* and the owner's share-link routes before 429."
  type        = number
  default     = 60
}
