# The one public entry: https://{env}.api.carpulsetracker.com/api/v1/... → an external
# Application Load Balancer (global, EXTERNAL_MANAGED) → one serverless NEG + backend service per
# public function. The URL map routes exactly the public paths of the route table; Cloud Armor
# limits requests per client IP in front of every backend.

locals {
  # Stable order (sorted by function name) → stable rule priorities.
  lb_rules = [
    for name in sort(keys(local.public_routes)) : {
      name  = name
      kind  = local.public_routes[name].lb_match.kind
      value = local.public_routes[name].lb_match.value
    }
  ]
  # Paths no route claims still need a backend: health answers them with the API's 404.
  lb_default_backend = one([for name, route in local.public_routes : name if route.target == "health"])
}

resource "google_compute_region_network_endpoint_group" "api" {
  for_each              = local.public_routes
  project               = var.project_id
  region                = var.region
  name                  = "cpt-${each.key}"
  network_endpoint_type = "SERVERLESS"

  # A 2nd-gen function is served by the Cloud Run service of the same name.
  cloud_run {
    service = google_cloudfunctions2_function.public[each.key].name
  }
}

resource "google_compute_backend_service" "api" {
  for_each              = local.public_routes
  project               = var.project_id
  name                  = "cpt-${each.key}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.api.id

  backend {
    group = google_compute_region_network_endpoint_group.api[each.key].id
  }

  # A session id is a bearer token in the path of some routes (/tesla/session/{session_id}/…,
  # /tesla/report/{session_id}/…): their request logs would store it, so they log nothing
  # (sample rate 0); every other route logs every request. infra/logging.tf excludes the rest.
  log_config {
    enable      = !strcontains(each.value.path, "{session_id}")
    sample_rate = strcontains(each.value.path, "{session_id}") ? 0.0 : 1.0
  }
}

resource "google_compute_url_map" "api" {
  project         = var.project_id
  name            = "cpt-api"
  default_service = google_compute_backend_service.api[local.lb_default_backend].id

  host_rule {
    hosts        = [var.api_domain]
    path_matcher = "api"
  }

  path_matcher {
    name            = "api"
    default_service = google_compute_backend_service.api[local.lb_default_backend].id

    # Exact paths match in full; path templates match one segment per {param} ({name=*}), so
    # /tesla/session/{id}/vehicles and /tesla/session/{id}/select reach different functions.
    dynamic "route_rules" {
      for_each = local.lb_rules
      content {
        priority = route_rules.key + 1
        service  = google_compute_backend_service.api[route_rules.value.name].id
        match_rules {
          full_path_match     = route_rules.value.kind == "full_path_match" ? route_rules.value.value : null
          path_template_match = route_rules.value.kind == "path_template_match" ? route_rules.value.value : null
        }
      }
    }
  }
}

resource "google_compute_global_address" "api" {
  project = var.project_id
  name    = "cpt-api"
}

resource "google_compute_managed_ssl_certificate" "api" {
  project = var.project_id
  name    = "cpt-api-${var.environment}"

  managed {
    domains = [var.api_domain]
  }
}

resource "google_compute_ssl_policy" "api" {
  project         = var.project_id
  name            = "cpt-api"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "api" {
  project          = var.project_id
  name             = "cpt-api"
  url_map          = google_compute_url_map.api.id
  ssl_certificates = [google_compute_managed_ssl_certificate.api.id]
  ssl_policy       = google_compute_ssl_policy.api.id
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = var.project_id
  name                  = "cpt-api-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.api.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.api.id
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "http_redirect" {
  project = var.project_id
  name    = "cpt-api-http-redirect"

  # To the root, without the path or query: a path sent over plain HTTP may hold a session id,
  # which must not be repeated back in a Location header (the WUI never links to http://).
  default_url_redirect {
    https_redirect         = true
    path_redirect          = "/"
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = true
  }
}

resource "google_compute_target_http_proxy" "http_redirect" {
  project = var.project_id
  name    = "cpt-api-http-redirect"
  url_map = google_compute_url_map.http_redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  project               = var.project_id
  name                  = "cpt-api-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.api.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.http_redirect.id
}

# Cloud Armor: per-client-IP rate limits (429 over the limit), stricter on the endpoints that
# create state without a session; the app's own Firestore-counted limits stay behind this.
resource "google_compute_security_policy" "api" {
  project     = var.project_id
  name        = "cpt-api"
  description = "Per-IP rate limits for the CPT public API"

  rule {
    action      = "deny(403)"
    priority    = 100
    description = "Log4j (CVE-2021-44228) probes"
    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  rule {
    action      = "throttle"
    priority    = 900
    description = "OAuth and pricing: per-IP limit"
    match {
      expr {
        expression = "request.path.startsWith('${var.api_prefix}/tesla/oauth/') || request.path.startsWith('${var.api_prefix}/pricing/')"
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.oauth_rate_limit_per_ip_per_minute
        interval_sec = 60
      }
    }
  }

  # Share and verify (infra/sharing.tf): public pages and uploads, and the owner's link routes.
  rule {
    action      = "throttle"
    priority    = 800
    description = "Share and verify: per-IP limit"
    match {
      expr {
        expression = "request.path.startsWith('${var.api_prefix}/verify') || request.path.startsWith('${var.api_prefix}/.well-known/') || request.path.matches('^${var.api_prefix}/tesla/report/[^/]+/shares?(/|$)')"
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.verify_rate_limit_per_ip_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "throttle"
    priority    = 1000
    description = "Whole API: per-IP limit"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.rate_limit_per_ip_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Default: allow"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}
