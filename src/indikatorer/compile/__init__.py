"""Measure spec -> SQLAlchemy Core: predicates, strata cube, aggregation; dialect differences
only in ``dialects.py``."""
