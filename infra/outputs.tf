output "api_url" {
  description = "The public entry; point the DNS A record of api_domain at api_ip first."
  value       = "https://${var.api_domain}${var.api_prefix}"
}

output "api_ip" {
  description = "Global IP of the load balancer (A record for api_domain)."
  value       = google_compute_global_address.api.address
}

output "worker_url" {
  description = "Where report tasks are delivered (CPT_WORKER_URL)."
  value       = local.worker_url
}

output "service_accounts" {
  description = "Service account per role."
  value = {
    api           = google_service_account.api.email
    worker        = google_service_account.worker.email
    tasks_invoker = google_service_account.tasks_invoker.email
    deployer      = google_service_account.deployer.email
  }
}

output "secret_ids" {
  description = "Secret Manager ids to add versions to (settings field → secret id)."
  value       = local.secret_id_of
}

output "reports_bucket" {
  value = google_storage_bucket.reports.name
}
