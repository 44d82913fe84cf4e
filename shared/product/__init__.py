"""Product: what we sell — the packages, the Tesla modules each one fetches and the features they
show the buyer. Pure data, no prices (those are ``shared.pricing``).
"""
