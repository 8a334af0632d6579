"""Villkor 3 of the 2020 agreement: the regions' reports to Försäkringskassan compiled
(V3.1–V3.5) and the payments computed (V3.6). Importing the package registers the shapes."""
from .payments import contact_payments, largest_remainder, population_share_payments, round_to_total
from .reports import Reports, compile_year, read_reports, villkor3_findings
from . import shapes as _shapes  # noqa: F401  (registers @shape functions)

__all__ = ["Reports", "compile_year", "contact_payments", "largest_remainder", "population_share_payments",
           "read_reports", "round_to_total", "villkor3_findings"]
