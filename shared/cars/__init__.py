"""Cars: the brand-neutral vocabulary of a connected car account — the vehicle record, VIN masking
and decoding, and what a brand connector yields. Pure: no I/O.
"""
