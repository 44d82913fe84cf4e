"""Connect: a customer connects their car account — brand registry, OAuth states with PKCE, the
initiate/callback/reconnect flow and its API models.
"""
