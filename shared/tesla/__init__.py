"""Tesla: OAuth (authorize, code exchange, refresh) and the Fleet API client, region-aware."""
