# One task per car (shared/tasks.py). Tesla limits calls per vehicle, and a task works on one car
# only, so the queue bounds how many cars are built at once and how fast new ones start; the
# per-car call pacing is the worker's (shared/tesla/fetch.py).
resource "google_cloud_tasks_queue" "reports" {
  name     = var.tasks_queue
  project  = var.project_id
  location = var.region

  rate_limits {
    max_concurrent_dispatches = var.tasks_max_concurrent_dispatches
    max_dispatches_per_second = var.tasks_max_dispatches_per_second
  }

  # Retries back off 10 s, 20 s, 40 s, 80 s, 160 s, then every 300 s; a car that still fails is
  # left failed and retried by POST /reports/generate.
  retry_config {
    max_attempts       = var.tasks_max_attempts
    max_retry_duration = "3600s"
    min_backoff        = "10s"
    max_backoff        = "300s"
    max_doublings      = 4
  }

  stackdriver_logging_config {
    sampling_ratio = 1.0
  }

  lifecycle {
    precondition {
      condition     = local.tasks_dispatch_deadline_s <= var.routes[local.worker_name].timeout_s
      error_message = "The tasks' dispatch deadline exceeds the worker's timeout."
    }
    precondition {
      # Gen2 functions take one request per instance by default (no max_instance_request_concurrency).
      condition     = var.tasks_max_concurrent_dispatches <= var.routes[local.worker_name].max_instances
      error_message = "More concurrent report tasks than worker instances: tasks would queue in front of the worker and hit its deadline."
    }
  }

  depends_on = [google_project_service.enabled]
}
