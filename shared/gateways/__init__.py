"""Gateways: the payment providers behind one façade (``facade``) — Stripe and PayPal HTTP APIs,
their SDKs imported lazily. No order logic: that is ``shared.payments``.
"""
