"""Operations: keeping paid orders moving when a step was lost — the reconciler (``reconciler``),
run on a schedule, and its response model (``models``).
"""
