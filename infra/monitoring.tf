# Operations (issue 18): log-based metrics on the code's signal lines, alert policies, a dashboard.
#
# Every metric counts the structured log lines `{"signal": <name>, ...}` that
# shared/platform/signals.py writes (field names documented there and in docs/operations.md);
# tests/operations/test_signals.py proves each filter matches lines the code really writes on
# real flows, and tests/infra/test_monitoring.py that every alert has documentation, a
# notification channel and a metric defined here. Alerts are PromQL over those metrics
# (logging.googleapis.com/user/NAME is logging_googleapis_com:user_NAME there; a distribution
# adds _sum, _count, _bucket): a ratio (partial reports) and a sum of extracted values (Tesla
# spend) need it, and one query language for all keeps them alike. The runbook per alert:
# docs/operations.md.

variable "alert_email" {
  description = "Where alerts go by e-mail (the on-call address of this environment)."
  type        = string
  default     = "ops@carpulsetracker.com"
}

variable "alert_notification_channels" {
  description = "More notification channel ids (Slack, PagerDuty, SMS) every alert also notifies."
  type        = list(string)
  default     = []
}

variable "tesla_daily_budget_usd" {
  description = "Tesla Fleet API spend per day (USD, all orders) above which an alert fires."
  type        = number
  default     = 25
}

variable "webhook_signature_failures_per_15m" {
  description = "Webhook deliveries refused for their signature in 15 minutes (per provider) before alerting."
  type        = number
  default     = 3
}

variable "http_5xx_per_5m" {
  description = "5xx answers of one function in 5 minutes before alerting."
  type        = number
  default     = 5
}

variable "partial_report_share" {
  description = "Share of car reports ending partial or failed in an hour above which an alert fires."
  type        = number
  default     = 0.25
}

variable "partial_report_min_cars" {
  description = "Cars ended in the hour below which the partial share is not judged (too few to mean anything)."
  type        = number
  default     = 4
}

variable "reconciler_repeat_limit" {
  description = "Repairs of one order by the reconciler beyond which every further repair alerts."
  type        = number
  default     = 3
}

locals {
  # Gen2 functions run on Cloud Run: their stdout JSON lines are cloud_run_revision entries.
  signal_logs = "resource.type=\"cloud_run_revision\""
  alert_channels = concat(
    [google_monitoring_notification_channel.oncall_email.id], var.alert_notification_channels
  )
  runbook = "docs/operations.md"
}

resource "google_project_service" "monitoring" {
  project            = var.project_id
  service            = "monitoring.googleapis.com"
  disable_on_destroy = false
}

resource "google_monitoring_notification_channel" "oncall_email" {
  project      = var.project_id
  display_name = "CPT on-call (${var.environment})"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.monitoring]
}

# --------------------------------------------------------------------------------------------
# Log-based metrics (one per signal; labels are bounded values only, never an order id)
# --------------------------------------------------------------------------------------------

resource "google_logging_metric" "order_connected" {
  project     = var.project_id
  name        = "cpt_order_connected"
  description = "Funnel step 1: an order session created by connecting a car account."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"order_connected\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_logging_metric" "order_selected" {
  project     = var.project_id
  name        = "cpt_order_selected"
  description = "Funnel step 2: an order's first choice of cars and package."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"order_selected\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "package"
      value_type  = "STRING"
      description = "basic, pro or expert"
    }
  }
  label_extractors = {
    package = "EXTRACT(jsonPayload.package)"
  }
}

resource "google_logging_metric" "order_paid" {
  project     = var.project_id
  name        = "cpt_order_paid"
  description = "Funnel step 3: an order marked paid (once per order)."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"order_paid\" AND jsonPayload.order_id:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "provider"
      value_type  = "STRING"
      description = "stripe, paypal or voucher"
    }
    labels {
      key         = "method"
      value_type  = "STRING"
      description = "stripe (card), googlepay, applepay, paypal, voucher"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    method   = "EXTRACT(jsonPayload.method)"
  }
}

resource "google_logging_metric" "order_complete" {
  project     = var.project_id
  name        = "cpt_order_complete"
  description = "Funnel step 4: every car of a paid order has ended (reports delivered)."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"order_complete\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_logging_metric" "order_latency" {
  project         = var.project_id
  name            = "cpt_payment_to_complete_seconds"
  description     = "Seconds from payment to the order's completion."
  filter          = "${local.signal_logs} AND jsonPayload.signal=\"order_complete\" AND jsonPayload.latency_s>=0"
  value_extractor = "EXTRACT(jsonPayload.latency_s)"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "s"
  }
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 16
      growth_factor      = 2
      scale              = 1
    }
  }
}

resource "google_logging_metric" "car_reports" {
  project     = var.project_id
  name        = "cpt_car_reports"
  description = "A car's report attempt ended: complete, partial, failed or waiting_reconnect, by reason."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"car_report\" AND jsonPayload.outcome:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "outcome"
      value_type  = "STRING"
      description = "complete, partial, failed, waiting_reconnect"
    }
    labels {
      key         = "reason"
      value_type  = "STRING"
      description = "car_unreachable, module_failed, module_unavailable, tesla_connection_expired (empty when complete)"
    }
  }
  label_extractors = {
    outcome = "EXTRACT(jsonPayload.outcome)"
    reason  = "EXTRACT(jsonPayload.reason)"
  }
}

resource "google_logging_metric" "tesla_billed_calls" {
  project         = var.project_id
  name            = "cpt_tesla_billed_calls"
  description     = "Tesla Fleet API attempts Tesla bills (answered below 500), by endpoint."
  filter          = "${local.signal_logs} AND jsonPayload.signal=\"tesla_calls\" AND jsonPayload.billed_calls>=0"
  value_extractor = "EXTRACT(jsonPayload.billed_calls)"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "1"
    labels {
      key         = "endpoint"
      value_type  = "STRING"
      description = "Logical endpoint: vehicle_data, wake_up, charging_history, specs, …"
    }
  }
  label_extractors = {
    endpoint = "EXTRACT(jsonPayload.endpoint)"
  }
  bucket_options {
    linear_buckets {
      num_finite_buckets = 20
      width              = 1
      offset             = 0
    }
  }
}

resource "google_logging_metric" "tesla_cost" {
  project         = var.project_id
  name            = "cpt_tesla_cost_micro_usd"
  description     = "Tesla Fleet API cost in micro-dollars, by endpoint (sum it: the _sum series)."
  filter          = "${local.signal_logs} AND jsonPayload.signal=\"tesla_calls\" AND jsonPayload.cost_micro_usd>=0"
  value_extractor = "EXTRACT(jsonPayload.cost_micro_usd)"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "1"
    labels {
      key         = "endpoint"
      value_type  = "STRING"
      description = "Logical endpoint: vehicle_data, wake_up, charging_history, specs, …"
    }
  }
  label_extractors = {
    endpoint = "EXTRACT(jsonPayload.endpoint)"
  }
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 12
      growth_factor      = 4
      scale              = 1000
    }
  }
}

resource "google_logging_metric" "webhooks" {
  project     = var.project_id
  name        = "cpt_webhooks"
  description = "Webhook deliveries: verified, duplicate, refused_signature, amount_mismatch."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"webhook\" AND jsonPayload.outcome:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "provider"
      value_type  = "STRING"
      description = "stripe or paypal"
    }
    labels {
      key         = "outcome"
      value_type  = "STRING"
      description = "verified, duplicate, refused_signature, amount_mismatch"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    outcome  = "EXTRACT(jsonPayload.outcome)"
  }
}

resource "google_logging_metric" "payment_issues" {
  project     = var.project_id
  name        = "cpt_payment_issues"
  description = "Payments that did not fit their order: amount_mismatch, superseded, duplicate, voucher_limit_reached."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"payment_issue\" AND jsonPayload.kind:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "kind"
      value_type  = "STRING"
      description = "The issue kind (docs/payments.md)"
    }
  }
  label_extractors = {
    kind = "EXTRACT(jsonPayload.kind)"
  }
}

resource "google_logging_metric" "refunds" {
  project     = var.project_id
  name        = "cpt_refunds"
  description = "Refunds: automatic (superseded, duplicate, voucher limit), late payments, and provider refund events."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"refund\" AND jsonPayload.reason:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "provider"
      value_type  = "STRING"
      description = "stripe or paypal"
    }
    labels {
      key         = "reason"
      value_type  = "STRING"
      description = "superseded, duplicate, voucher_limit_reached, session_gone, provider_event"
    }
    labels {
      key         = "outcome"
      value_type  = "STRING"
      description = "refunded, awaiting_support, recorded"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    reason   = "EXTRACT(jsonPayload.reason)"
    outcome  = "EXTRACT(jsonPayload.outcome)"
  }
}

resource "google_logging_metric" "disputes" {
  project     = var.project_id
  name        = "cpt_disputes"
  description = "Chargebacks and PayPal disputes, opened and closed."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"dispute\" AND jsonPayload.stage:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "provider"
      value_type  = "STRING"
      description = "stripe or paypal"
    }
    labels {
      key         = "stage"
      value_type  = "STRING"
      description = "opened or closed"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    stage    = "EXTRACT(jsonPayload.stage)"
  }
}

resource "google_logging_metric" "reconciler_repairs" {
  project     = var.project_id
  name        = "cpt_reconciler_repairs"
  description = "Lost steps the reconciler repaired, by kind."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"reconciler_repair\" AND jsonPayload.kind:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "kind"
      value_type  = "STRING"
      description = "generation_not_started, car_requeued, manifest_missing, receipt_missing, completion_missing, delivery_record_missing"
    }
  }
  label_extractors = {
    kind = "EXTRACT(jsonPayload.kind)"
  }
}

resource "google_logging_metric" "reconciler_repeats" {
  project     = var.project_id
  name        = "cpt_reconciler_repeats"
  description = "Repairs of an order already repaired more than var.reconciler_repeat_limit times."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"reconciler_repair\" AND jsonPayload.repair_count>${var.reconciler_repeat_limit}"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "kind"
      value_type  = "STRING"
      description = "The repair kind"
    }
  }
  label_extractors = {
    kind = "EXTRACT(jsonPayload.kind)"
  }
}

resource "google_logging_metric" "stuck_orders" {
  project     = var.project_id
  name        = "cpt_stuck_orders"
  description = "Reconciler runs that found a paid order not complete 30 minutes after payment (one per order per run)."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"stuck_order\" AND jsonPayload.status:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "paid, generating or reconnect_required"
    }
  }
  label_extractors = {
    status = "EXTRACT(jsonPayload.status)"
  }
}

resource "google_logging_metric" "http_5xx" {
  project     = var.project_id
  name        = "cpt_http_5xx"
  description = "5xx answers, by function."
  filter      = "${local.signal_logs} AND jsonPayload.signal=\"http_5xx\" AND jsonPayload.function:*"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "function"
      value_type  = "STRING"
      description = "The route target (functions/routes.py)"
    }
    labels {
      key         = "http_status"
      value_type  = "STRING"
      description = "500, 502, 503, 504"
    }
  }
  label_extractors = {
    function    = "EXTRACT(jsonPayload.function)"
    http_status = "EXTRACT(jsonPayload.http_status)"
  }
}

# --------------------------------------------------------------------------------------------
# Alert policies (runbook per alert: docs/operations.md)
# --------------------------------------------------------------------------------------------

resource "google_monitoring_alert_policy" "stuck_order" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: paid order not complete after 30 minutes"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = local.alert_channels
  conditions {
    display_name = "stuck_order signals (reconnect_required excluded: the customer's move)"
    condition_prometheus_query_language {
      query               = "sum(increase(logging_googleapis_com:user_${google_logging_metric.stuck_orders.name}{monitored_resource=\"cloud_run_revision\",status!=\"reconnect_required\"}[10m])) > 0"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: a paid order is not complete after 30 minutes"
    content   = <<-EOT
      **What it means:** the reconciler found an order paid more than 30 minutes ago that is
      still `paid` or `generating`: the customer paid and has no reports yet. The reconciler
      already retried what it can (it logs a `reconciler_repair` signal when it does).

      **First thing to do:** find the order ids in Logs Explorer with
      `jsonPayload.signal="stuck_order"`, then follow one order's whole story with
      `jsonPayload.order_id="ord_…"` (runbook: ${local.runbook}#paid-order-not-complete).
      Run the reconciler once more (`POST /api/v1/internal/operations/reconcile`) and look at the
      order's cars: a car `pending` for long points at Cloud Tasks, `running` at the worker.
      Refund only if the order cannot be delivered (runbook: when to refund).
    EOT
  }
}

resource "google_monitoring_alert_policy" "webhook_signatures" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: webhook signature failures"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = local.alert_channels
  conditions {
    display_name = "refused_signature webhooks per provider over 15 minutes"
    condition_prometheus_query_language {
      query               = "sum by (provider) (increase(logging_googleapis_com:user_${google_logging_metric.webhooks.name}{monitored_resource=\"cloud_run_revision\",outcome=\"refused_signature\"}[15m])) > ${var.webhook_signature_failures_per_15m}"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: webhook signatures refused"
    content   = <<-EOT
      **What it means:** Stripe or PayPal webhook deliveries are refused (400) because their
      signature does not verify. Usually the webhook secret was rotated on one side only
      (Stripe dashboard vs Secret Manager `stripe-webhook-secret`, or the PayPal webhook id);
      otherwise someone is posting forged events. While it lasts, payments are not marked paid
      by webhook (the provider retries for days; nothing is lost yet).

      **First thing to do:** compare the Stripe endpoint's signing secret with the latest
      Secret Manager version, fix it, then in the Stripe dashboard resend the failed events
      (runbook: ${local.runbook}#webhook-signature-failures).
    EOT
  }
}

resource "google_monitoring_alert_policy" "http_5xx" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: 5xx answers per function"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels
  conditions {
    display_name = "5xx answers of one function over 5 minutes"
    condition_prometheus_query_language {
      query               = "sum by (function) (increase(logging_googleapis_com:user_${google_logging_metric.http_5xx.name}{monitored_resource=\"cloud_run_revision\"}[5m])) > ${var.http_5xx_per_5m}"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: a function answers 5xx"
    content   = <<-EOT
      **What it means:** one function answered 5xx more than the threshold in 5 minutes. A 500
      is a bug (the cause is in that function's ERROR line with an `exception`); a 503 is an
      upstream (Firestore, Stripe, Tesla) unavailable or, for `reports_worker`, cars busy.

      **First thing to do:** open the function's errors:
      `jsonPayload.route="<function>" AND severity>=ERROR`, read the exception, and check the
      upstream's status page (runbook: ${local.runbook}#5xx-per-function).
    EOT
  }
}

resource "google_monitoring_alert_policy" "partial_reports" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: partial or failed car reports above ${var.partial_report_share * 100}% in an hour"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.alert_channels
  conditions {
    display_name = "share of car reports ending partial or failed over one hour"
    condition_prometheus_query_language {
      query               = "(sum(increase(logging_googleapis_com:user_${google_logging_metric.car_reports.name}{monitored_resource=\"cloud_run_revision\",outcome=~\"partial|failed\"}[1h])) / sum(increase(logging_googleapis_com:user_${google_logging_metric.car_reports.name}{monitored_resource=\"cloud_run_revision\",outcome=~\"complete|partial|failed\"}[1h])) > ${var.partial_report_share}) and (sum(increase(logging_googleapis_com:user_${google_logging_metric.car_reports.name}{monitored_resource=\"cloud_run_revision\",outcome=~\"complete|partial|failed\"}[1h])) >= ${var.partial_report_min_cars})"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }
  alert_strategy {
    auto_close = "7200s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: many partial car reports"
    content   = <<-EOT
      **What it means:** more than the threshold of car reports in the last hour ended partial
      or failed. By reason (label `reason`): `car_unreachable` (cars asleep/offline: retried
      automatically later at no charge), `module_failed` (Tesla answered errors: an outage or a
      changed API), `module_unavailable`.

      **First thing to do:** chart `cpt_car_reports` by `reason`, check
      https://status.tesla.com and the Fleet API errors in the worker's lines
      (`jsonPayload.route="reports_worker"`); after an outage, rebuild the failed cars
      (runbook: ${local.runbook}#partial-reports).
    EOT
  }
}

resource "google_monitoring_alert_policy" "tesla_spend" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: Tesla spend above USD ${var.tesla_daily_budget_usd} per day"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.alert_channels
  conditions {
    display_name = "Tesla Fleet API cost over the last 24 hours"
    condition_prometheus_query_language {
      query               = "sum(increase(logging_googleapis_com:user_${google_logging_metric.tesla_cost.name}_sum{monitored_resource=\"cloud_run_revision\"}[1d])) / 1000000 > ${var.tesla_daily_budget_usd}"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }
  alert_strategy {
    auto_close = "86400s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: Tesla spend above budget"
    content   = <<-EOT
      **What it means:** the Tesla Fleet API calls of the last 24 hours cost more than the daily
      budget. Either many more orders (check the funnel) or more calls per order: retries,
      wake-ups of cars that never wake, or a voucher being abused for free reports.

      **First thing to do:** chart `cpt_tesla_cost_micro_usd` by `endpoint` and compare with
      `cpt_order_paid` by `provider` (a spike of `voucher` orders is abuse:
      `python -m admin --project P vouchers report`, then `vouchers deactivate CODE`)
      (runbook: ${local.runbook}#tesla-spend).
    EOT
  }
}

resource "google_monitoring_alert_policy" "dispute_opened" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: dispute opened"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels
  conditions {
    display_name = "any dispute opened"
    condition_prometheus_query_language {
      query               = "sum by (provider) (increase(logging_googleapis_com:user_${google_logging_metric.disputes.name}{monitored_resource=\"cloud_run_revision\",stage=\"opened\"}[10m])) > 0"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: a customer opened a dispute"
    content   = <<-EOT
      **What it means:** a chargeback (Stripe `charge.dispute.created`) or a PayPal dispute was
      opened. It has a response deadline (days); the evidence is already collected on the
      order's payment ledger record.

      **First thing to do:** find the order: `jsonPayload.signal="dispute"` gives the
      `order_id`; read its ledger record (`payment_ledger/<order_id>`: `disputes[].evidence`
      lists order.json, receipt.pdf and delivery.json with the Tesla calls) and answer in the
      provider's dashboard (runbook: ${local.runbook}#dispute-opened).
    EOT
  }
}

resource "google_monitoring_alert_policy" "reconciler_repeats" {
  project               = var.project_id
  display_name          = "CPT ${var.environment}: reconciler repairs the same order again and again"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels
  conditions {
    display_name = "repairs of an order repaired more than ${var.reconciler_repeat_limit} times"
    condition_prometheus_query_language {
      query               = "sum by (kind) (increase(logging_googleapis_com:user_${google_logging_metric.reconciler_repeats.name}{monitored_resource=\"cloud_run_revision\"}[1h])) > 0"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }
  alert_strategy {
    auto_close = "7200s"
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "CPT ${var.environment}: an order keeps needing repairs"
    content   = <<-EOT
      **What it means:** the reconciler repaired one order more than the limit: each repair is
      undone again (a task that always dies, an upload that always fails, a car that is
      re-queued every run). Repairing it again will not help; something in its data or in a
      service keeps breaking it.

      **First thing to do:** `jsonPayload.signal="reconciler_repair" AND
      jsonPayload.repair_count>${var.reconciler_repeat_limit}` names the order and the kind; read
      its whole story by `jsonPayload.order_id` and the failing step's ERROR lines
      (runbook: ${local.runbook}#reconciler-repeats).
    EOT
  }
}

# --------------------------------------------------------------------------------------------
# Dashboard: the funnel, latency, Tesla cost and the error signals (infra/dashboards/orders.json)
# --------------------------------------------------------------------------------------------

resource "google_monitoring_dashboard" "orders" {
  project        = var.project_id
  dashboard_json = file("${path.module}/dashboards/orders.json")

  depends_on = [
    google_project_service.monitoring,
    google_logging_metric.order_connected,
    google_logging_metric.order_selected,
    google_logging_metric.order_paid,
    google_logging_metric.order_complete,
    google_logging_metric.order_latency,
    google_logging_metric.car_reports,
    google_logging_metric.tesla_billed_calls,
    google_logging_metric.tesla_cost,
    google_logging_metric.webhooks,
    google_logging_metric.payment_issues,
    google_logging_metric.refunds,
    google_logging_metric.disputes,
    google_logging_metric.reconciler_repairs,
    google_logging_metric.reconciler_repeats,
    google_logging_metric.stuck_orders,
    google_logging_metric.http_5xx,
  ]
}
