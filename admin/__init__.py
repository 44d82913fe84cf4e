"""The operator's command line for commerce data: ``python -m admin --help`` (never deployed)."""
