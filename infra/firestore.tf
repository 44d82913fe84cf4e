resource "google_firestore_database" "default" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# TTL policies: Firestore deletes a document once its `expires_at` Timestamp is past (typically
# within 24 h; the code checks expiry itself on every read). The empty index_config drops the
# single-field indexes on the ever-increasing timestamp: nothing queries by it.
resource "google_firestore_field" "ttl" {
  for_each   = local.ttl_policies
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = each.value
  field      = var.ttl_field

  ttl_config {}
  index_config {}
}
