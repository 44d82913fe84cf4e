"""Payments: one verified payment per order (Stripe card/Google Pay/Apple Pay, PayPal, or a
100 % voucher), idempotent against double clicks, retried and out-of-order webhooks.

- ``checkout``: create-intent — one provider intent per quote.
- ``settlement``: the one idempotent "mark paid" every path converges on, and what follows it.
- ``webhooks``: Stripe's and PayPal's callbacks, verified and de-duplicated.

The providers' APIs themselves are ``shared.gateways``.
"""
