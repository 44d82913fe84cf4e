# No stored log line carries a session id (a bearer token in some URL paths, valid up to 14 days
# after payment). The functions' own logs name routes by template (shared/platform/http.py); the
# platform's request logs record full URLs, so the lines for a URL with a session-id-shaped
# segment (43 URL-safe characters: secrets.token_urlsafe(32)) are excluded before storage:
# Cloud Run's request logs of the functions and, belt and braces to the sample rate 0 in lb.tf,
# the load balancer's.
locals {
  session_id_url_regex = "/[A-Za-z0-9_-]{43}(/|\\\\?|$)"
}

resource "google_logging_project_exclusion" "session_id_urls" {
  project     = var.project_id
  name        = "cpt-session-id-urls"
  description = "Request logs whose URL carries an order session id (a bearer token)."
  filter      = "(LOG_ID(\"run.googleapis.com/requests\") OR resource.type=\"http_load_balancer\") AND httpRequest.requestUrl=~\"${local.session_id_url_regex}\""

  depends_on = [google_project_service.enabled]
}
