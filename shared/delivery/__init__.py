"""Delivery: turning a paid order into reports — start and fan-out per car on Cloud Tasks
(``generation``, ``tasks``), the per-car worker (``worker``), car report records and stored
files (``report_store``), and reading them back for the web app (``reading``).
"""
