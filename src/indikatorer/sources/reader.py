"""Read one source of a job into normalised temporary tables ``src_<source>_<table>``.

Structural problems (missing file or column, unparseable values, nulls in required columns)
are ``SourceError`` (exit 3) with file, table, column and row; values of person-identifying
columns are never printed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ..engine.session import Session, safe_identifier
from ..errors import JobError, SourceError, where
from ..job import Job
from ..spec.layouts import Layout, TableSpec, load_layout
from .codemaps import map_expression
from .files import ascending_without_repeats, find_table_file, open_raw
from .values import ValueCounts
from .pseudonym import Pseudonymiser, looks_like_personnummer, read_key
from ..compile.dialects import clean_text as _plain_clean_text, parse_value
from ..spec.layouts import load_code_maps

_TYPE_WORD = {"date": "a date (YYYY-MM-DD or YYYYMMDD)", "int": "a whole number", "float": "a number",
              "bool": "true/false"}


@dataclass
class LoadedTable:
    name: str
    relation: sa.TableClause
    origin: str
    rows: int
    fingerprint: str
    columns: dict[str, str]          # logical column -> type
    # columns the reader proved never NULL in ``relation`` (required values present and parsed;
    # see ``_check_values``): the data-quality gate need not count their NULLs again
    not_null: frozenset = frozenset()
    # columns the reader proved to hold no value twice (``_proved_unique``): the gate's
    # uniqueness check need not count their duplicates
    unique: frozenset = frozenset()
    # the low-cardinality columns whose values the checks may count on the raw file (a view
    # read in place; ``sources.values``); None: count them in ``relation``
    value_counts: ValueCounts | None = None


@dataclass
class LoadedSource:
    name: str
    kind: str
    layout: Layout
    tables: dict[str, LoadedTable] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    pseudonym_key_id: str | None = None   # fingerprint of the ingest pseudonymisation key (None: ids as delivered)

    def table(self, name: str) -> sa.TableClause:
        return self.tables[name].relation

    def has(self, name: str) -> bool:
        return name in self.tables


def load_source(session: Session, job: Job, name: str) -> LoadedSource:
    cfg = job.sources[name]
    layout = load_layout(cfg.kind)
    loaded = LoadedSource(name, cfg.kind, layout)
    pseudo = None
    if cfg.pseudonym_key_env:             # personnummer in the identifier columns: HMAC at ingest
        pseudo = Pseudonymiser(name, cfg.pseudonym_key_env, read_key(cfg.pseudonym_key_env, name), job.data_as_of)
        loaded.pseudonym_key_id = pseudo.key_id
    for tname, tspec in layout.tables.items():
        physical = cfg.tables.get(tname, tname)
        renames = cfg.columns.get(tname, {})
        if cfg.path is not None:
            folder = job.source_path(name)
            path = find_table_file(folder, physical)
            if path is None:
                if tspec.optional:
                    loaded.notes.append(f"source `{name}`: optional table `{tname}` not delivered")
                    continue
                raise SourceError(f"source `{name}` ({cfg.kind}): table `{tname}` not found: no "
                                  f"{physical}.parquet or {physical}.csv in {folder}")
            raw = open_raw(session, path, tname, cfg.csv)
            loaded.notes.extend(raw.notes)
            raw_rel = sa.table(raw.view, *[sa.column(c) for c in [*raw.columns, "_row"]])
            raw_types, origin, fp = raw.columns, str(path), raw.fingerprint
            decimal_comma = getattr(raw, "decimal_comma", False)
            as_view = getattr(raw, "parquet", False)
            dictionary = getattr(raw, "dictionary_columns", frozenset())
        else:
            dictionary = frozenset()
            as_view = False
            try:
                raw_rel, raw_types, origin = _sql_raw(session, physical, tname, tspec)
            except SourceError:
                if tspec.optional and tname not in cfg.tables:     # not named by the job: not delivered
                    loaded.notes.append(f"source `{name}`: optional table `{tname}` not delivered")
                    continue
                raise
            fp, decimal_comma = f"table:{physical}", False
        table = _normalise(session, loaded, tname, tspec, raw_rel, raw_types, renames, origin, decimal_comma,
                           pseudo=pseudo, data_as_of=job.data_as_of, as_view=as_view, dictionary=dictionary,
                           parquet=path if as_view else None)
        table.fingerprint = fp
        loaded.tables[tname] = table
    if pseudo is not None:
        loaded.notes.extend(pseudo.notes)
    return loaded


def _sql_raw(session: Session, physical: str, tname: str, tspec: TableSpec):
    schema, _, tbl = physical.rpartition(".")
    try:
        cols = sa.inspect(session.conn).get_columns(tbl, schema=schema or None)
    except sa.exc.NoSuchTableError:
        raise SourceError(f"{where(table=physical)}: not found in the database") from None
    except sa.exc.SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise SourceError(f"{where(table=physical)}: cannot be read ({first})") from None
    if not cols:
        raise SourceError(f"{where(table=physical)}: not found in the database")
    types = {c["name"]: str(c["type"]) for c in cols}
    base = sa.table(tbl, *[sa.column(c) for c in types], schema=schema or None)
    numbered = sa.select(*[base.c[c] for c in types], sa.func.row_number().over().label("_row")).subquery(
        session.new_name("raw"))
    return numbered, types, f"{physical}"


def _normalise(session: Session, loaded: LoadedSource, tname: str, tspec: TableSpec, raw_rel,
               raw_types: dict[str, str], renames: dict[str, str], origin: str,
               decimal_comma: bool, pseudo: Pseudonymiser | None = None,
               data_as_of=None, as_view: bool = False, dictionary: frozenset = frozenset(),
               parquet: Path | None = None) -> LoadedTable:
    by_lower = {c.lower(): c for c in raw_types}
    used: set[str] = set()
    exprs, raw_of = [], {}
    joins, cleanups = [], []
    header_hint = ""
    if len(raw_types) == 1:
        only = next(iter(raw_types))
        other = "," if "," in only else ";" if ";" in only else "\\t" if "\t" in only else None
        if other:
            header_hint = f" (the header has one column; is the separator `{other}`?)"
    for col, cspec in tspec.columns.items():
        physical = renames.get(col, col)
        actual = by_lower.get(physical.lower())
        if actual is None:
            if cspec.required:
                raise SourceError(f"{where(file=origin, table=tname, column=physical)}: required column "
                                  f"missing{header_hint}")
            exprs.append(sa.cast(sa.null(), _SA[cspec.type]).label(col))
            continue
        used.add(actual)
        src = raw_rel.c[actual]
        value = _value_of(src, cspec, raw_types[actual], session.dialect, decimal_comma, actual not in dictionary)
        raw_of[col] = (src, value, actual, cspec)
        if cspec.identifier == "person":
            if pseudo is not None:
                mapping, cleanup = pseudo.mapping(session, raw_rel, value, tname, actual)
                joins.append((mapping, mapping.c.raw == value))
                cleanups.append(cleanup)
                value = mapping.c.pseudonym
            else:
                _refuse_plain_personnummer(session, raw_rel, value, loaded, tname, actual, data_as_of)
        exprs.append(value.label(col))
    extra = sorted(set(raw_types) - used)
    if extra:
        loaded.notes.append(f"{Path(origin).name}: table `{tname}`: ignored unknown column(s) "
                            + ", ".join(f"`{c}`" for c in extra))
    key = _key_in_place(tspec, raw_of, raw_types, session.dialect, pseudo) if parquet is not None and not joins else None
    not_null = _check_values(session, raw_rel, raw_of, tname, origin, raw_types, dictionary, unchanged=key)
    unique = frozenset()
    if key is not None and _UNCHANGED in not_null and ascending_without_repeats(parquet, raw_of[key][2]):
        unique = frozenset({key})
    not_null.discard(_UNCHANGED)
    if pseudo is not None:          # the pseudonym comes from an outer join: not proved here
        not_null -= {c for c, (_, _, _, cs) in raw_of.items() if cs.identifier == "person"}
    name = safe_identifier(f"src_{loaded.name}_{tname}")
    from_ = raw_rel
    for mapping, on in joins:
        from_ = from_.join(mapping, on, isouter=True)
    normalised = sa.select(*exprs, raw_rel.c["_row"].label("_row")).select_from(from_)
    try:
        if as_view and not joins:
            # Parquet read in place: a view, so each query scans only the columns it needs
            rel = session.define_view(name, normalised)
        else:
            rel = session.materialize(name, normalised)
    finally:
        for cleanup in cleanups:
            cleanup()
    values = None
    if as_view and not joins:
        # the view is a projection of the raw file, row for row: the file's row count (from
        # the Parquet footers) is the view's, without computing the view
        rows = session.scalar(sa.select(sa.func.count()).select_from(raw_rel))
        values = _value_counts(raw_rel, raw_of, raw_types, dictionary, session.dialect, decimal_comma)
    else:
        rows = session.scalar(sa.select(sa.func.count()).select_from(rel))
    if rows == 0:
        loaded.notes.append(f"{Path(origin).name}: table `{tname}` has no rows")
    return LoadedTable(tname, rel, origin, rows or 0, "", {c: s.type for c, s in tspec.columns.items()},
                       frozenset(not_null) if rows else frozenset(), unique, values)


def _value_of(src, cspec, raw_type: str, dialect: str, decimal_comma: bool, guarded: bool = True):
    """The normalised value of a raw column (trimmed text or parsed value, then the code map)."""
    if cspec.type == "string":
        value = clean_text(src, raw_type, dialect, guarded)
    else:
        value = parse_value(src, cspec.type, raw_type, dialect, decimal_comma)
    if cspec.map:
        value = map_expression(value, cspec.map)
    return value


def _value_counts(raw_rel, raw_of: dict, raw_types: dict[str, str], dictionary: frozenset, dialect: str,
                  decimal_comma: bool) -> ValueCounts | None:
    """The columns of a view read in place whose raw Parquet column is dictionary-encoded
    throughout (few distinct values) and not person-identifying: the checks count their
    values on the raw column (``sources.values``)."""
    columns = {}
    for col, (_, _, actual, cspec) in raw_of.items():
        if actual in dictionary and cspec.identifier is None:
            columns[col] = (actual, lambda x, c=cspec, t=raw_types[actual]: _value_of(x, c, t, dialect, decimal_comma,
                                                                                      guarded=False))
    return ValueCounts(raw_rel, columns) if columns else None


_UNCHANGED = object()          # in ``_check_values``' answer: the ``unchanged`` column is its raw text


def _key_in_place(tspec: TableSpec, raw_of: dict, raw_types: dict[str, str], dialect: str, pseudo) -> str | None:
    """The table's one-column key when its normalised value is its raw text (a text column
    without code map, not pseudonymised): then the raw file's values can prove it unique."""
    if len(tspec.key) != 1 or tspec.key[0] not in raw_of:
        return None
    col = tspec.key[0]
    _, _, actual, cspec = raw_of[col]
    if (cspec.type != "string" or cspec.map or (pseudo is not None and cspec.identifier == "person")
            or str(raw_types.get(actual, "")).strip().upper() not in _TEXT_TYPES or dialect != "duckdb"):
        return None
    return col


def _check_values(session: Session, raw_rel, raw_of: dict, tname: str, origin: str,
                  raw_types: dict[str, str] | None = None, dictionary: frozenset = frozenset(),
                  unchanged: str | None = None) -> set:
    """Unparseable values and nulls in required columns, counted over the raw table: first one
    aggregate of cheaper conditions that include each check's rows (where a guarded
    ``clean_text`` would not trim, the value is its own clean text: missing only if NULL,
    unchanged), then, only for the checks with such rows, the exact counts and first rows.

    Returns the columns proved never NULL in the normalised table when no error is raised:
    the required (not nullable) columns whose typed value is NULL only where the raw value is
    missing or unparseable (both refused here), i.e. every one except a string column whose
    code map can yield NULL for a present value.

    Where the raw column is a date, number or boolean (a typed Parquet or database column),
    ``trim(CAST(x AS VARCHAR))`` is never empty for a present value (such values print with at
    least one character that is not blank), so "missing" is ``x IS NULL``, read without
    formatting every value.

    ``unchanged``: a text column also counted where its normalised value differs from its raw
    text (trimmed; blank as NULL); when none does, the answer also holds ``_UNCHANGED`` (then
    the normalised column repeats a value only where the raw one does)."""
    aggs, checks = [], []
    proved = set()
    raw_types = raw_types or {}
    guards: dict[str, object] = {}
    for col, (src, value, actual, cspec) in raw_of.items():
        guard = None
        if _never_blank(raw_types.get(actual)):
            missing = src.is_(None)
            present = src.is_not(None)
        else:
            raw_text = clean_text(src, raw_types.get(actual), session.dialect, actual not in dictionary)
            missing, present = raw_text.is_(None), raw_text.is_not(None)
            guard = _trim_guard(src, raw_types.get(actual), session.dialect, actual not in dictionary)
            if guard is not None:
                guards[actual] = guard
        if cspec.type != "string":
            bad = sa.and_(present, value.is_(None))
            checks.append((col, actual, cspec, "parse", bad, [bad]))
        if not cspec.nullable:
            # a value that trimming cannot change is its own clean text: missing only if NULL
            checks.append((col, actual, cspec, "null", missing, [missing] if guard is None else [src.is_(None), guard]))
            if cspec.type != "string" or not cspec.map or _map_keeps_values(cspec.map):
                proved.add(col)
    if unchanged is not None:
        src, value, actual = raw_of[unchanged][0], raw_of[unchanged][1], raw_of[unchanged][2]
        changed = value.is_distinct_from(sa.cast(src, sa.String))
        guard = None if raw_of[unchanged][3].map else guards.get(actual)
        checks.append((unchanged, actual, raw_of[unchanged][3], "changed", changed,
                       [changed] if guard is None else [guard]))
    if not checks:
        return proved
    # first only the counts of conditions that together include each check's rows and are
    # cheaper to test (the values a guarded ``clean_text`` would trim, not the trimmed text;
    # each condition counted once); then the exact counts and first rows of the checks with
    # such rows (usually none)
    parts = list({id(p): p for c in checks for p in c[5]}.values())
    first = session.execute(sa.select(*[sa.func.count().filter(p).label(f"s{i}") for i, p in enumerate(parts)])
                            .select_from(raw_rel)).one()
    suspect = {id(p) for p, n in zip(parts, first) if n}
    checks = [c for c in checks if any(id(p) in suspect for p in c[5])]
    if not any(c[3] == "changed" for c in checks) and unchanged is not None:
        proved.add(_UNCHANGED)
    if not checks:
        return proved
    for i, (_, _, _, _, cond, _) in enumerate(checks):
        aggs.append(sa.func.count().filter(cond).label(f"n{i}"))
        aggs.append(sa.func.min(raw_rel.c["_row"]).filter(cond).label(f"r{i}"))
    result = session.execute(sa.select(*aggs).select_from(raw_rel)).one()
    for i, (col, actual, cspec, what, _, _) in enumerate(checks):
        n, row = result[2 * i], result[2 * i + 1]
        if what == "changed":
            if not n:
                proved.add(_UNCHANGED)
            continue
        if not n:
            continue
        loc = where(file=origin, table=tname, column=actual, row=row)
        more = f" ({n} rows in all)" if n > 1 else ""
        if what == "null":
            raise SourceError(f"{loc}: value missing in a required column{more}")
        shown = ""
        if cspec.identifier is None:
            val = session.scalar(sa.select(sa.cast(raw_rel.c[actual], sa.String)).where(raw_rel.c["_row"] == row))
            shown = f" '{str(val)[:40]}'"
        raise SourceError(f"{loc}: cannot read{shown} as {_TYPE_WORD[cspec.type]}{more}")
    return proved


_NEVER_BLANK = re.compile(r"(DATE|TIMESTAMP(TZ|_S|_MS|_NS| WITH(OUT)? TIME ZONE)?|U?(BIG|SMALL|TINY|HUGE)?INT(EGER)?\d*|DOUBLE( PRECISION)?|"
                          r"FLOAT\d*|REAL|(DECIMAL|NUMERIC)(\(\d+(, *\d+)?\))?|BOOL(EAN)?)", re.I)


def _never_blank(raw_type: str | None) -> bool:
    """A present value of this raw SQL type never prints as blank text."""
    return raw_type is not None and bool(_NEVER_BLANK.fullmatch(raw_type.strip()))


_TEXT_TYPES = ("VARCHAR", "TEXT", "STRING")


def clean_text(src, raw_type: str | None, dialect: str, guarded: bool = True):
    """``nullif(trim(CAST(src AS VARCHAR)), '')`` (``compile.dialects.clean_text``: trimmed text,
    blank as NULL). On DuckDB, for a VARCHAR column, the same value computed without trimming
    the values that trimming cannot change: DuckDB's ``trim`` removes only Unicode space
    separators (Zs: in ASCII only the space), and a value that starts with a printable ASCII
    character other than the space (``'!' <= x <= '~'`` bytewise, which also rules out the
    empty text), does not end with a space and is pure ASCII (as many characters as bytes) has
    none at either end. Trimming is the main cost of scanning an identifier column (a value
    per row, no dictionary); the test costs a third of it. Not ``guarded``: the plain expression
    (a dictionary-encoded Parquet column, where DuckDB trims each dictionary entry once)."""
    plain = _plain_clean_text(src)
    may_change = _trim_guard(src, raw_type, dialect, guarded)
    if may_change is None:
        return plain
    return sa.case((may_change, plain), else_=sa.cast(src, sa.String))


def _trim_guard(src, raw_type: str | None, dialect: str, guarded: bool = True):
    """The condition under which ``clean_text`` trims (true where trimming may change the value,
    NULL for NULL); None where it always trims (``guarded`` off, not DuckDB, not a VARCHAR)."""
    if not guarded or dialect != "duckdb" or str(raw_type or "").strip().upper() not in _TEXT_TYPES:
        return None
    x = sa.cast(src, sa.String)
    return sa.or_(x < sa.literal("!", sa.String), x > sa.literal("~", sa.String),
                  sa.func.ends_with(x, sa.literal(" ", sa.String)),
                  sa.func.length(x) != sa.func.strlen(x))


def _map_keeps_values(map_name: str) -> bool:
    """A code map's CASE yields NULL only for NULL input (every target is a code)."""
    if map_name in ("region", "region_inera"):
        return True
    maps = load_code_maps()
    return map_name in maps and all(v is not None for v in maps[map_name].values())


_SA = {"string": sa.String, "date": sa.Date, "int": sa.BigInteger, "float": sa.Double, "bool": sa.Boolean}


def _refuse_plain_personnummer(session: Session, raw_rel, value, loaded: LoadedSource, tname: str, column: str,
                               data_as_of) -> None:
    """A source without ``pseudonym_key_env`` must not carry personnummer: sample its identifier
    column and refuse (exit 2) when nearly all values are valid personnummer."""
    import datetime as dt
    sample = list({r[0] for r in session.execute(sa.select(value).select_from(raw_rel).where(value.is_not(None))
                                                 .limit(2000)).fetchall()})
    if looks_like_personnummer(sample, data_as_of or dt.date.today()):
        raise JobError(f"source `{loaded.name}`: column `{column}` of table `{tname}` holds personnummer; name "
                       f"`pseudonym_key_env` for the source so that they are pseudonymised at ingest")
