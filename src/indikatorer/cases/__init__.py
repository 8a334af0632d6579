"""Sick-leave cases (sjukfall) built in SQL: the MiDAS and Intygsstatistik rules of measures.md."""
from .build import CaseTables, build_cases
from .rules import CaseRule, rule_for

__all__ = ["CaseTables", "build_cases", "CaseRule", "rule_for"]
