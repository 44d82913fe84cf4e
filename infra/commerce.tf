# Commerce data (price book, vouchers, seller identity) is changed only by operators, with the
# admin tool (`python -m admin`, docs/deploy.md) and their own Google credentials.
#
# Firestore IAM is per database, not per collection: the functions keep roles/datastore.user
# (iam.tf) for sessions, and read the commerce collections only. That is enforced in code: the
# writers live in shared/pricing/book.py and only admin/ and dev/seed.py call them
# (tests/admin/test_read_only.py).

variable "commerce_operators_group" {
  description = "Google group whose members may change vouchers, price book and seller identity."
  type        = string
  default     = "cpt-commerce-operators@carpulsetracker.com"
}

resource "google_project_iam_member" "commerce_operators" {
  for_each = toset(["roles/datastore.user"])
  project  = var.project_id
  role     = each.value
  member   = "group:${var.commerce_operators_group}"
}
