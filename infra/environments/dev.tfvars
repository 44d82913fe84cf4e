# dev: terraform apply -var-file=environments/dev.tfvars (docs/deploy.md).
environment = "dev"
project_id  = "cpt-dev"
region      = "europe-north1"
api_domain  = "dev.api.carpulsetracker.com"
wui_url     = "https://dev.carpulsetracker.com"

# Non-secret ids from the providers' consoles (secrets go to Secret Manager, docs/deploy.md).
tesla_client_id        = ""
stripe_publishable_key = "" # pk_test_…
paypal_client_id       = ""
paypal_api_base        = "https://api-m.sandbox.paypal.com"
paypal_webhook_id      = ""

reports_retention_days           = 30
firestore_point_in_time_recovery = false
