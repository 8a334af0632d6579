"""The expectation suites of ``expectations/``: GX 1.x JSON, one per source table and one for
the indicator table. Read and checked here without importing Great Expectations.

A suite's ``meta.applies_to`` names the layout kind and table (``indicators`` for the
indicator table). Every expectation's ``meta`` carries

* ``severity``: ``critical`` (a failure blocks publication) or ``warning`` (a failure
  annotates the rows of the measures that use the source); GX's own ``severity`` field,
  when present, must say the same;
* ``check``: a short name, unique within the suite (the report's id is ``<suite>/<check>``);
* ``description``: one plain sentence;
* optionally ``exclude: true`` (rows failing the check are removed from the source table
  before the measures are computed, and counted per reason in the manifest — only for
  expectations whose failing rows can be named by a predicate), ``per`` (what one
  unexpected row of a SQL expectation stands for: ``row``, ``region``, ``cell``, ``table``)
  and ``region_column`` (a SQL expectation's result column naming the county it concerns:
  its warning then flags only that county's rows and Riket's).

Values that depend on the run are GX suite parameters (``{"$PARAMETER": "data_as_of"}``);
inside SQL (``unexpected_rows_query``) ``${name}`` is replaced by a parameter and
``${table:<name>}`` by the session table of another table of the same source."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..paths import data_dir

SEVERITIES = ("critical", "warning")
INDICATORS = "indicators"
EXCLUDABLE = ("expect_column_pair_values_a_to_be_greater_than_b", "expect_column_values_to_be_in_set",
              "unexpected_rows_expectation")
SQL_EXPECTATIONS = ("unexpected_rows_expectation",)
_TOKEN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_]*))?\}")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Defaults of the suite parameters; a job's `options` may override any of them by name.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "earliest_date": "1990-01-01",         # no date of the extracts lies before this
    "future_days": 365,                    # periods may run past data_as_of, but not by more than this
    "max_period_days": 1096,               # one period (delsjukfall / certificate period) of at most 3 years
    "earliest_birth_year": 1900,
    "implausible_contact_share": 0.6,      # villkor 3: contacts in more than this share of the treatments
}


@dataclass(frozen=True)
class SuiteFile:
    name: str
    kind: str
    table: str
    path: Path
    data: dict


def expectations_dir() -> Path:
    return data_dir("expectations")


@lru_cache(maxsize=None)
def load_suites(folder: str | None = None) -> dict[tuple[str, str], SuiteFile]:
    """(kind, table) -> suite file; ``("indicators", "indicators")`` for the indicator table."""
    root = Path(folder) if folder else expectations_dir()
    out: dict[tuple[str, str], SuiteFile] = {}
    for path in sorted(root.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
        issues = suite_issues(data)
        if issues:
            raise SpecError(f"{path}: {issues[0]}" + (f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""))
        applies = data["meta"]["applies_to"]
        key = (applies["kind"], applies["table"])
        if key in out:
            raise SpecError(f"{path}: a second suite for `{key[0]}.{key[1]}` ({out[key].path.name})")
        out[key] = SuiteFile(data["name"], key[0], key[1], path, data)
    return out


def suite_issues(data: Any) -> list[str]:
    """Everything wrong with a suite's structure (empty when it is fine)."""
    if not isinstance(data, dict):
        return ["a suite is a JSON object"]
    issues = []
    applies = (data.get("meta") or {}).get("applies_to") or {}
    if not data.get("name"):
        issues.append("`name` missing")
    if not applies.get("kind") or not applies.get("table"):
        issues.append("`meta.applies_to` must name `kind` and `table`")
    seen = set()
    for i, exp in enumerate(data.get("expectations") or []):
        meta = exp.get("meta") or {}
        where = f"expectation {i + 1} ({exp.get('type')}, check `{meta.get('check')}`)"
        if meta.get("severity") not in SEVERITIES:
            issues.append(f"{where}: `meta.severity` must be one of {', '.join(SEVERITIES)}")
        if "severity" in exp and exp["severity"] != meta.get("severity"):
            issues.append(f"{where}: GX `severity` `{exp['severity']}` differs from `meta.severity`")
        if not meta.get("check"):
            issues.append(f"{where}: `meta.check` missing")
        elif meta["check"] in seen:
            issues.append(f"{where}: check `{meta['check']}` occurs twice")
        seen.add(meta.get("check"))
        if not meta.get("description"):
            issues.append(f"{where}: `meta.description` missing")
        if meta.get("exclude") and exp.get("type") not in EXCLUDABLE:
            issues.append(f"{where}: `exclude` works only for {', '.join(EXCLUDABLE)}")
        if meta.get("exclude") and meta.get("severity") != "warning":
            issues.append(f"{where}: only a warning can exclude rows (a critical failure stops the run)")
        if meta.get("region_column") is not None and not is_identifier_name(str(meta["region_column"])):
            issues.append(f"{where}: `region_column` must be a plain column name")
        if exp.get("type") in SQL_EXPECTATIONS and "{batch}" not in str((exp.get("kwargs") or {}).get(
                "unexpected_rows_query", "")):
            issues.append(f"{where}: the query must read `{{batch}}`")
    if not data.get("expectations"):
        issues.append("no expectations")
    return issues


def parameters(data_as_of: dt.date, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The suite parameters of a run (JSON values: dates as ISO text)."""
    p = dict(DEFAULT_PARAMETERS)
    for k in DEFAULT_PARAMETERS:
        if options and k in options:
            p[k] = options[k]
    p["data_as_of"] = data_as_of.isoformat()
    p["data_year"] = data_as_of.year
    p["latest_event_date"] = data_as_of.isoformat()
    p["latest_period_date"] = (data_as_of + dt.timedelta(days=int(p["future_days"]))).isoformat()
    return p


def bind_expectation(exp: dict, params: dict[str, Any], tables: dict[str, str] | None = None) -> dict:
    """A copy of one expectation with ``${…}`` in SQL replaced (parameters, session tables);
    GX's ``severity`` set from ``meta.severity``. Raises MissingTable."""
    tables = tables or {}

    def sub(text: str) -> str:
        def one(m: re.Match) -> str:
            name, arg = m.group(1), m.group(2)
            if name == "table":
                if arg not in tables:
                    raise MissingTable(arg)
                return tables[arg]
            if name not in params:
                raise SpecError(f"check `{exp['meta'].get('check')}`: unknown parameter `${{{name}}}`")
            value = params[name]
            text_value = str(value)
            if not re.fullmatch(r"[0-9A-Za-z_.:-]+", text_value):
                raise SpecError(f"suite parameter `{name}` = `{text_value}` cannot go into SQL")
            return text_value
        return _TOKEN.sub(one, text)

    out = json.loads(json.dumps(exp))
    q = out.get("kwargs", {}).get("unexpected_rows_query")
    if isinstance(q, str):
        out["kwargs"]["unexpected_rows_query"] = sub(q)
    out["severity"] = out["meta"]["severity"]
    return out


class MissingTable(Exception):
    """A SQL expectation reads another table of the source that was not delivered."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


def referenced_tables(exp: dict) -> list[str]:
    q = str(exp.get("kwargs", {}).get("unexpected_rows_query", ""))
    return [m.group(2) for m in _TOKEN.finditer(q) if m.group(1) == "table"]


def is_identifier_name(name: str) -> bool:
    return bool(_IDENT.match(name))
