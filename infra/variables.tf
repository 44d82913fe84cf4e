# ---------------------------------------------------------------------------------------------
# Environment (infra/environments/{dev,tst,prd}.tfvars)
# ---------------------------------------------------------------------------------------------

variable "environment" {
  description = "Deployed environment; becomes CPT_ENVIRONMENT."
  type        = string
  validation {
    condition     = contains(["dev", "tst", "prd"], var.environment)
    error_message = "environment must be dev, tst or prd."
  }
}

variable "project_id" {
  description = "The GCP project of this environment (one project per environment)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the bucket, the queue and the secrets' replicas."
  type        = string
  default     = "europe-north1"
}

variable "firestore_location" {
  description = "Firestore location (a region or a multi-region such as eur3)."
  type        = string
  default     = "europe-north1"
}

variable "api_domain" {
  description = "Host name of the public entry, {env}.api.carpulsetracker.com (managed certificate)."
  type        = string
}

variable "wui_url" {
  description = "The web app's URL (CPT_WUI_URL); must be https in a deployed environment."
  type        = string
  validation {
    condition     = startswith(var.wui_url, "https://")
    error_message = "wui_url must start with https://."
  }
}

# ---------------------------------------------------------------------------------------------
# Non-secret provider identifiers (the secrets themselves are Secret Manager versions added with
# gcloud, never Terraform values; see docs/deploy.md)
# ---------------------------------------------------------------------------------------------

variable "tesla_client_id" {
  description = "Tesla Fleet API application client id (developer.tesla.com)."
  type        = string
  validation {
    condition     = length(var.tesla_client_id) > 0
    error_message = "Set tesla_client_id (developer.tesla.com → your application)."
  }
}

variable "tesla_auth_url" {
  description = "Tesla OAuth base URL (CPT_TESLA_AUTH_URL)."
  type        = string
  default     = "https://auth.tesla.com/oauth2/v3"
}

variable "tesla_fleet_url_template" {
  description = "Regional Fleet API base URL; {region} is na or eu (CPT_TESLA_FLEET_URL_TEMPLATE)."
  type        = string
  default     = "https://fleet-api.prd.{region}.vn.cloud.tesla.com"
}

variable "stripe_publishable_key" {
  description = "Stripe publishable key (pk_test_… in dev/tst, pk_live_… in prd)."
  type        = string
  validation {
    condition     = startswith(var.stripe_publishable_key, "pk_")
    error_message = "Set stripe_publishable_key (pk_…)."
  }
}

variable "paypal_client_id" {
  description = "PayPal REST application client id."
  type        = string
  validation {
    condition     = length(var.paypal_client_id) > 0
    error_message = "Set paypal_client_id."
  }
}

variable "paypal_api_base" {
  description = "PayPal REST base URL: https://api-m.sandbox.paypal.com or https://api-m.paypal.com."
  type        = string
  default     = "https://api-m.sandbox.paypal.com"
}

variable "paypal_webhook_id" {
  description = "Id of the PayPal webhook registered for /api/v1/payment/paypal/webhook (CPT_PAYPAL_WEBHOOK_ID)."
  type        = string
  validation {
    condition     = length(var.paypal_webhook_id) > 0
    error_message = "Register the PayPal webhook first and set its id (docs/deploy.md)."
  }
}

# ---------------------------------------------------------------------------------------------
# Names shared with shared/settings.py (CPT_* settings); defaults equal the settings' defaults
# ---------------------------------------------------------------------------------------------

variable "sessions_collection" {
  description = "CPT_SESSIONS_COLLECTION: Firestore collection of order sessions."
  type        = string
  default     = "order_sessions"
}

variable "oauth_states_collection" {
  description = "CPT_OAUTH_STATES_COLLECTION: single-use OAuth states."
  type        = string
  default     = "oauth_states"
}

variable "rate_limits_collection" {
  description = "CPT_RATE_LIMITS_COLLECTION: abuse-limit counters."
  type        = string
  default     = "rate_limits"
}

variable "ttl_field" {
  description = "The Timestamp field every TTL'd document carries (shared/sessions.py, oauth_states.py, rate_limits.py)."
  type        = string
  default     = "expires_at"
}

variable "tasks_queue" {
  description = "CPT_TASKS_QUEUE: the Cloud Tasks queue of per-car report tasks."
  type        = string
  default     = "reports"
}

variable "worker_target" {
  description = "The route-table target Cloud Tasks delivers report tasks to (CPT_WORKER_URL)."
  type        = string
  default     = "reports_worker"
}

# ---------------------------------------------------------------------------------------------
# Tuning
# ---------------------------------------------------------------------------------------------

variable "runtime" {
  description = "Cloud Functions runtime; the one the test suite runs on."
  type        = string
  default     = "python311"
}

variable "secret_version" {
  description = "Secret Manager version injected into functions ('latest' or a pinned number)."
  type        = string
  default     = "latest"
}

variable "bookkeeping_retention_days" {
  description = "Bookkeeping duty: the payment ledger, order.json and receipts are kept this many days (Finnish Accounting Act: at least six years)."
  type        = number
  default     = 2196
  validation {
    condition     = var.bookkeeping_retention_days >= 2192 && var.bookkeeping_retention_days <= 3660
    error_message = "bookkeeping_retention_days must be between six and ten years (2192–3660 days)."
  }
}

variable "payment_ledger_collection" {
  description = "CPT_PAYMENT_LEDGER_COLLECTION: one payment record per order (shared/payments/ledger.py)."
  type        = string
  default     = "payment_ledger"
}

variable "reports_retention_days" {
  description = "GDPR retention: car reports and charging history (personal data) are deleted this many days after upload."
  type        = number
  default     = 90
  validation {
    condition     = var.reports_retention_days >= 1 && var.reports_retention_days <= 3650
    error_message = "reports_retention_days must be between 1 and 3650."
  }
}

variable "reports_soft_delete_days" {
  description = "Days a deleted object stays recoverable (0 disables soft delete; GCS default 7)."
  type        = number
  default     = 7
  validation {
    condition     = var.reports_soft_delete_days == 0 || (var.reports_soft_delete_days >= 7 && var.reports_soft_delete_days <= 90)
    error_message = "Soft delete is 0 (off) or 7 to 90 days."
  }
}

variable "tasks_max_concurrent_dispatches" {
  description = "Report tasks running at once (one task = one car); ≤ the worker's max instances."
  type        = number
  default     = 20
}

variable "tasks_max_dispatches_per_second" {
  description = "New report tasks started per second."
  type        = number
  default     = 5
}

variable "tasks_max_attempts" {
  description = "Attempts per report task, the first included."
  type        = number
  default     = 6
}

variable "rate_limit_per_ip_per_minute" {
  description = "Cloud Armor: requests per client IP per minute on the whole API before 429."
  type        = number
  default     = 300
}

variable "oauth_rate_limit_per_ip_per_minute" {
  description = "Cloud Armor: requests per client IP per minute on /tesla/oauth/* and /pricing/* before 429."
  type        = number
  default     = 60
}

variable "firestore_point_in_time_recovery" {
  description = "Keep 7 days of Firestore versions for recovery (they also delay erasure by 7 days)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------
# Cloud Build trigger (optional: leave github_repository empty to create none)
# ---------------------------------------------------------------------------------------------

variable "github_owner" {
  description = "GitHub owner of the repository the Cloud Build trigger watches."
  type        = string
  default     = ""
}

variable "github_repository" {
  description = "GitHub repository name; empty = no trigger."
  type        = string
  default     = ""
}

variable "deploy_branch" {
  description = "Branch regex that deploys this environment."
  type        = string
  default     = "^main$"
}

# ---------------------------------------------------------------------------------------------
# The route table (routes.auto.tfvars.json, generated from functions/routes.py)
# ---------------------------------------------------------------------------------------------

variable "api_prefix" {
  description = "Path prefix of every public route (functions/routes.py API_PREFIX)."
  type        = string
}

variable "routes" {
  description = "functions/routes.py, keyed by function name. Do not edit: regenerate."
  type = map(object({
    target        = string
    method        = string
    path          = string
    full_path     = string
    public        = bool
    memory        = string
    timeout_s     = number
    max_instances = number
    secrets       = list(string)
    lb_match = object({
      kind  = string
      value = string
    })
  }))
}
