# prd: terraform apply -var-file=environments/prd.tfvars (docs/deploy.md).
environment = "prd"
project_id  = "cpt-prd"
region      = "europe-north1"
api_domain  = "prd.api.carpulsetracker.com"
wui_url     = "https://carpulsetracker.com"

# Non-secret ids from the providers' consoles (secrets go to Secret Manager, docs/deploy.md).
tesla_client_id        = ""
stripe_publishable_key = "" # pk_live_…
paypal_client_id       = ""
paypal_api_base        = "https://api-m.paypal.com"
paypal_webhook_id      = ""

reports_retention_days           = 90
firestore_point_in_time_recovery = true
