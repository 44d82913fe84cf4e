"""CPQ: configure, price, quote (roadmap §7). Pure logic: no Firestore, no HTTP.

- Product — ``catalog``: packages, the Tesla modules each fetches, the features they show.
- Price — ``tiers``: package × vehicle-count band → total cents, VAT included.
- Quote — ``quotes``: tier price − voucher (``vouchers``) → total, VAT extracted once (``vat``).
- ``models``: the API request/response models; ``responses``: builders for them.
"""
