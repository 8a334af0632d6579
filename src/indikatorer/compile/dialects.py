"""The few SQL differences between DuckDB and PostgreSQL, as SQLAlchemy expressions.

Everything else the engine writes is portable SQLAlchemy Core."""
from __future__ import annotations

import sqlalchemy as sa

_TEXT_TYPES = ("VARCHAR", "TEXT", "CHAR", "STRING", "CHARACTER VARYING", "NAME", "BPCHAR")


def is_text(raw_type: str) -> bool:
    return any(raw_type.upper().startswith(t) for t in _TEXT_TYPES)


def clean_text(expr):
    """Trimmed text with empty strings as NULL."""
    return sa.func.nullif(sa.func.trim(sa.cast(expr, sa.String)), "")


def parse_value(expr, col_type: str, raw_type: str, dialect: str, decimal_comma: bool = False):
    """Typed value from a raw column; NULL where the value cannot be parsed (the caller counts
    those against the raw value to report the first bad row)."""
    if col_type == "string":
        return clean_text(expr)
    if not is_text(raw_type):
        if col_type == "date" and raw_type.upper().startswith("TIMESTAMP"):
            return sa.cast(expr, sa.Date)
        if col_type == "bool" and not raw_type.upper().startswith("BOOL"):
            return sa.case((expr == 1, sa.true()), (expr == 0, sa.false()), else_=sa.null())
        if col_type == "int" and raw_type.upper() in ("DOUBLE", "FLOAT", "REAL", "DOUBLE PRECISION") :
            return sa.case((expr == sa.func.round(expr), sa.cast(expr, sa.BigInteger)), else_=sa.null())
        return sa.cast(expr, _SA_TYPES[col_type])
    text = clean_text(expr)
    if col_type == "float" and decimal_comma:
        text = sa.func.replace(text, ",", ".")
    if col_type == "bool":
        low = sa.func.lower(text)
        return sa.case((low.in_(["true", "t", "1", "ja", "j", "yes", "y"]), sa.true()),
                       (low.in_(["false", "f", "0", "nej", "n", "no"]), sa.false()), else_=sa.null())
    if dialect == "duckdb":
        if col_type == "date":
            return sa.cast(sa.func.coalesce(sa.func.try_strptime(text, "%Y-%m-%d"),
                                            sa.func.try_strptime(text, "%Y%m%d")), sa.Date)
        return sa.func.try_cast(text, sa.literal_column(_DUCK[col_type]))
    # PostgreSQL (and others): guard the cast with a pattern so that it cannot fail.
    if col_type == "date":
        iso = text.regexp_match(r"^\d{4}-\d{2}-\d{2}$")
        compact = text.regexp_match(r"^\d{8}$")
        return sa.case((iso, sa.func.to_date(text, "YYYY-MM-DD")),
                       (compact, sa.func.to_date(text, "YYYYMMDD")), else_=sa.null())
    if col_type == "int":
        return sa.case((text.regexp_match(r"^[+-]?\d{1,18}$"), sa.cast(text, sa.BigInteger)), else_=sa.null())
    return sa.case((text.regexp_match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"), sa.cast(text, sa.Double)),
                   else_=sa.null())


_SA_TYPES = {"string": sa.String, "date": sa.Date, "int": sa.BigInteger, "float": sa.Double, "bool": sa.Boolean}
_DUCK = {"int": "BIGINT", "float": "DOUBLE"}


def try_cast_patch():
    """``try_cast(x, TYPE)`` renders as DuckDB's ``TRY_CAST(x AS TYPE)``."""
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.sql.functions import GenericFunction

    class try_cast(GenericFunction):  # noqa: N801 - SQL function name
        inherit_cache = True
        name = "try_cast"

    @compiles(try_cast)
    def _render(element, compiler, **kw):
        value, type_ = list(element.clauses)
        return f"TRY_CAST({compiler.process(value, **kw)} AS {compiler.process(type_, **kw)})"

    return try_cast


try_cast_patch()
