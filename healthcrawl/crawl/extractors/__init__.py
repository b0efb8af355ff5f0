"""Page → fields, one module per site, plus the generic fallback (see base.py)."""
