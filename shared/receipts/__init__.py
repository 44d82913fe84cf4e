"""Receipts: one A4 PDF per paid order (``document``), its seller (``seller``), drawn by
``render``."""
