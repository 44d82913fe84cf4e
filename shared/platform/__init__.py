"""Platform: what every function stands on — settings, logs, the error shape, lazy Google
clients, HTTP plumbing and the route model, OpenAPI, token encryption, abuse limits, PDF writing.

Nothing here imports a domain package. Import the submodules directly (this file imports nothing).
"""
