"""Base relations of measure specs: one row per counted thing and period, with the standard
columns every measure may stratify or filter on.

Standard columns: period, period_start, period_end, reference_date, unit_key, person_key,
region_code, sex, age_group, diag_main, diag_sub, care_level, unit_id — plus the columns
listed per base below. A base is a function ``(ctx, source, window, options) -> Select``;
register new ones with ``@base("name")``."""
from __future__ import annotations

import inspect
import json
from typing import Any, Callable, Iterator, Mapping

import sqlalchemy as sa

from ..errors import CapabilityError, SpecError
from .groups import age_group, diagnosis_main, diagnosis_sub, known_region, known_sex, normalised_icd

BASES: dict[str, Callable] = {}
BASE_KINDS: dict[str, tuple[str, ...]] = {}     # base -> source kinds it reads (first match is its source)
STREAMED: set[str] = set()                      # bases read where they are computed (never materialised)
PRESENCE: dict[str, Callable] = {}              # base -> (ctx, source, window, options) -> Select of the periods with rows
SOURCES_KEY: dict[str, Callable] = {}           # base -> (ctx, source, sources) -> what it reads of the other sources
STANDARD = ("period", "period_start", "period_end", "reference_date", "unit_key", "person_key", "region_code",
            "sex", "age_group", "diag_main", "diag_sub", "care_level", "unit_id")


def base(name: str, kinds: tuple[str, ...] | None = None, stream: bool = False, presence: Callable | None = None,
         sources_key: Callable | None = None):
    """Register a base. ``kinds``: the source kinds it reads; in a multi-source plan
    (``midas+pas``) its ``source`` is the plan's first source of one of these kinds. A base
    function with a ``sources`` parameter also gets every source of the plan by kind.
    ``stream``: the base is a filtered scan too large to copy (one row per PAS contact and
    period); ``shared_base_relation`` returns it as a subquery instead of a table.
    ``presence``: a cheaper query of the periods the base has rows for (``present_periods``).
    ``sources_key``: for a base with a ``sources`` parameter, ``(ctx, source, sources) ->`` a
    hashable value that determines everything the base reads of the plan's other sources; it
    replaces their names in the shared-base key (``shared_base_relation``), so that plans whose
    other sources differ but give the base the same input share one table."""
    def register(fn):
        BASES[name] = fn
        if kinds:
            BASE_KINDS[name] = tuple(kinds)
        if stream:
            STREAMED.add(name)
        else:
            STREAMED.discard(name)
        if presence is not None:
            PRESENCE[name] = presence
        else:
            PRESENCE.pop(name, None)
        if sources_key is not None:
            SOURCES_KEY[name] = sources_key
        else:
            SOURCES_KEY.pop(name, None)
        return fn
    return register


def base_relation(name: str, ctx, source, window: str | None, options: Mapping[str, Any],
                  sources: Mapping[str, Any] | None = None) -> sa.Select:
    if name not in BASES:
        raise SpecError(f"unknown base `{name}` (have: {', '.join(sorted(BASES))})")
    fn = BASES[name]
    if "sources" in inspect.signature(fn).parameters:
        return fn(ctx, source, window, options, sources=dict(sources or {}))
    return fn(ctx, source, window, options)


class _Recorder(Mapping):
    """The options as a base reads them, recording which ones it reads."""

    def __init__(self, options: Mapping[str, Any]):
        self._options = options
        self.used: set[str] = set()

    def __getitem__(self, key):
        self.used.add(key)
        return self._options[key]

    def __contains__(self, key):
        self.used.add(key)
        return key in self._options

    def __iter__(self) -> Iterator[str]:
        self.used.update(self._options)
        return iter(self._options)

    def __len__(self) -> int:
        return len(self._options)


def shared_base_relation(name: str, ctx, source, window: str | None, options: Mapping[str, Any],
                         sources: Mapping[str, Any] | None = None, alias: str = "base") -> sa.FromClause:
    """The base as a FROM clause, evaluated once per run: materialised in a temporary table
    shared (``ctx.shared_base``) by every variant and measure with the same base, source, input
    from the other sources (``_sources_key``), window, periods and values of the options the
    base reads. Streamed bases are subqueries."""
    recorder = _Recorder(options)
    select = base_relation(name, ctx, source, window, recorder, sources=sources)
    if name in STREAMED or not getattr(ctx, "share", False):
        return select.subquery(alias)
    used = {k: options.get(k) for k in sorted(recorder.used)}
    key = (name, window, getattr(source, "name", None), _sources_key(name, ctx, source, sources),
           tuple(p.label for p in ctx.periods_list), ctx.age_bands,
           json.dumps(used, sort_keys=True, default=str))

    def build():
        return ctx.session.materialize(ctx.session.new_name(f"base_{name}"), select)
    return ctx.shared_base(key, build).alias(alias)


def _sources_key(name: str, ctx, source, sources: Mapping[str, Any] | None) -> Any:
    """What base ``name`` reads of the plan's sources besides ``source``: nothing when its
    function takes no ``sources``; its ``sources_key`` when it has one; else their names."""
    if "sources" not in inspect.signature(BASES[name]).parameters:
        return ()
    if name in SOURCES_KEY:
        return ("read", SOURCES_KEY[name](ctx, source, dict(sources or {})))
    return source_names(sources)


def source_names(sources: Mapping[str, Any] | None) -> tuple:
    """The plan's sources as sorted (kind, source name) pairs (a hashable key)."""
    return tuple(sorted((k, getattr(s, "name", None)) for k, s in (sources or {}).items()))


def present_periods(name: str, ctx, source, window: str | None, options: Mapping[str, Any]) -> set[str] | None:
    """The periods base ``name`` has rows for, from its ``presence`` query; None when it has
    none (then read them from the base)."""
    if name not in PRESENCE:
        return None
    return {r[0] for r in ctx.session.execute(PRESENCE[name](ctx, source, window, options)).fetchall()}


def _period_cols(p):
    return [p.c.period, p.c.period_start, p.c.period_end, p.c.reference_date]


def _case_cols(c):
    return [c.c.case_id.label("unit_key"), c.c.person_key, c.c.region_code, c.c.sex, c.c.age_group, c.c.diag_main, c.c.diag_sub,
            c.c.care_level, c.c.unit_id]


# DuckDB: pick the index case over narrow rows (tests switch it off to compare with the window)
NARROW_INDEX = True
# The index case of a person and period is the first in this order (group_key, case_seq: the
# first vårdgivare's case when one patient's cases at several end and start on the same days)
INDEX_ORDER = ("end_date", "start_date", "group_key", "case_seq", "case_id")

CASE_EXTRA = ("case_id", "start_date", "end_date", "length_gross", "length_net", "ended", "age", "diagnosis",
              "employment", "vardgivare_id")


@base("cases", kinds=("midas", "intygsstatistik"))
def cases_base(ctx, source, window, options):
    """Sick-leave cases of ``source`` (MiDAS or Intygsstatistik rule) related to a period by
    ``window``: ended_in_period | overlaps_period | started_in_period | ongoing_on_reference
    (adds ``grade_on_reference``, the highest grade of the periods covering the reference date)."""
    ct = ctx.cases(source, int(options.get("max_gap_days", 5)))
    c, p = ct.cases, ctx.periods
    extra = [c.c[k] for k in CASE_EXTRA]
    if window == "ended_in_period":
        cond = sa.and_(c.c.ended, c.c.end_date.between(p.c.period_start, p.c.period_end))
    elif window == "overlaps_period":
        cond = sa.and_(c.c.start_date <= p.c.period_end, c.c.end_date >= p.c.period_start)
    elif window == "started_in_period":
        cond = c.c.start_date.between(p.c.period_start, p.c.period_end)
    elif window == "ongoing_on_reference":
        cp = ct.periods
        cover = sa.select(cp.c.person_key, cp.c.group_key, cp.c.case_seq, p.c.period,
                          sa.func.max(cp.c.grade).label("grade_on_reference")).select_from(
            cp.join(p, sa.and_(cp.c.start_date <= p.c.reference_date, cp.c.end_date >= p.c.reference_date))
        ).group_by(cp.c.person_key, cp.c.group_key, cp.c.case_seq, p.c.period).subquery("cover")
        on = sa.and_(cover.c.person_key == c.c.person_key, cover.c.group_key == c.c.group_key,
                     cover.c.case_seq == c.c.case_seq)
        return (sa.select(*_period_cols(p), *_case_cols(c), *extra, cover.c.grade_on_reference)
                .select_from(c.join(cover, on).join(p, p.c.period == cover.c.period)))
    else:
        raise SpecError(f"base `cases`: unknown window `{window}`")
    return sa.select(*_period_cols(p), *_case_cols(c), *extra).select_from(c.join(p, cond))


@base("index_cases", kinds=("midas", "intygsstatistik"))
def index_cases_base(ctx, source, window, options):
    """One row per person and period: the person's *index case* = their first case ended in
    the period (by ``INDEX_ORDER``: end date, start date, …), with ``resick_days`` = days from the index
    case's end to the start of the person's next case (NULL when none)."""
    ct = ctx.cases(source, int(options.get("max_gap_days", 5)))
    c, p = ct.cases, ctx.periods
    ended_in = sa.and_(c.c.ended, c.c.end_date.between(p.c.period_start, p.c.period_end))
    if ctx.session.is_duckdb and NARROW_INDEX:
        idx = _index_cases_narrow(c, p, ended_in)
    else:
        rn = sa.func.row_number().over(partition_by=[p.c.period, c.c.person_key],
                                       order_by=[c.c[k] for k in INDEX_ORDER]).label("rn")
        ranked = sa.select(*_period_cols(p), *_case_cols(c), *[c.c[k] for k in CASE_EXTRA], rn).select_from(
            c.join(p, ended_in)).subquery("ranked")
        idx = sa.select(*[col for col in ranked.c if col.key != "rn"]).where(ranked.c.rn == 1).subquery("idx")
    c2 = c.alias("next_case")
    nxt = sa.select(idx.c.period, idx.c.person_key,
                    sa.func.min(c2.c.start_date - idx.c.end_date).label("resick_days")).select_from(
        idx.join(c2, sa.and_(c2.c.person_key == idx.c.person_key, c2.c.start_date > idx.c.end_date))
    ).group_by(idx.c.period, idx.c.person_key).subquery("nxt")
    return sa.select(*idx.c, nxt.c.resick_days).select_from(
        idx.join(nxt, sa.and_(nxt.c.period == idx.c.period, nxt.c.person_key == idx.c.person_key), isouter=True))


def _index_cases_narrow(c, p, ended_in):
    """DuckDB: the index case of each person and period picked over narrow rows (period,
    person, ``arg_min`` of case_id by ``INDEX_ORDER``), then the wide case
    and period columns joined by case_id: the same rows as the window over wide rows, without
    sorting them (case_id is unique)."""
    key = sa.func.row(*[c.c[k] for k in INDEX_ORDER])
    picks = sa.select(p.c.period, sa.func.arg_min(c.c.case_id, key).label("idx_case")).select_from(
        c.join(p, ended_in)).group_by(p.c.period, c.c.person_key).subquery("picks")
    return sa.select(*_period_cols(p), *_case_cols(c), *[c.c[k] for k in CASE_EXTRA]).select_from(
        picks.join(c, c.c.case_id == picks.c.idx_case).join(p, p.c.period == picks.c.period)).subquery("idx")


@base("certificates", kinds=("intygsstatistik",))
def certificates_base(ctx, source, window, options):
    """FK7804 certificates signed in the period (Intygsstatistik), with ``komplt_days`` = days
    from signing to the first completion request (KOMPLT) sent on or after signing,
    ``paminn_days`` = days from signing to the first reminder (PAMINN) sent on or after that
    request, and ``window_closed`` = signing + followup_days <= data_as_of."""
    if window != "signed_in_period":
        raise SpecError(f"base `certificates`: unknown window `{window}`")
    if not source.has("meddelanden"):
        raise CapabilityError(f"source `{source.name}` (intygsstatistik) has no table `meddelanden`, which "
                              f"completion requests and reminders are counted from")
    i, m, p = source.table("intyg"), source.table("meddelanden"), ctx.periods
    follow = int(options.get("followup_days", 90))
    fk = sa.select(i).where(i.c.intygstyp == "FK7804").subquery("fk")
    # the completion requests and reminders sent on or after signing, with the signing date:
    # one read of the certificates for both (a reminder counts from the first request, itself
    # on or after signing)
    sent = sa.select(m.c.intyg_id, m.c.typ, m.c.skickat_datum, fk.c.signeringsdatum).select_from(
        m.join(fk, fk.c.intyg_id == m.c.intyg_id)).where(
        m.c.typ.in_(["KOMPLT", "PAMINN"]), m.c.skickat_datum >= fk.c.signeringsdatum).cte("sent")
    komplt = sa.select(sent.c.intyg_id, sa.func.min(sent.c.skickat_datum - sent.c.signeringsdatum).label("komplt_days"),
                       sa.func.min(sent.c.skickat_datum).label("first_komplt")).where(
        sent.c.typ == "KOMPLT").group_by(sent.c.intyg_id).subquery("komplt")
    paminn = sa.select(sent.c.intyg_id, sa.func.min(sent.c.skickat_datum - sent.c.signeringsdatum).label("paminn_days")).select_from(
        sent.join(komplt, komplt.c.intyg_id == sent.c.intyg_id)).where(
        sent.c.typ == "PAMINN", sent.c.skickat_datum >= komplt.c.first_komplt).group_by(sent.c.intyg_id).subquery("paminn")
    msgs = sa.select(komplt.c.intyg_id, komplt.c.komplt_days, paminn.c.paminn_days).select_from(
        komplt.join(paminn, paminn.c.intyg_id == komplt.c.intyg_id, isouter=True)).subquery("msgs")
    # the strata and messages per certificate, before the join with the periods (which repeats a
    # certificate in every period containing its signing date); the normalised code computed once
    coded = sa.select(fk, normalised_icd(fk.c.diagnoskod).label("code")).subquery("coded")
    closed = (coded.c.signeringsdatum + follow) <= sa.cast(sa.literal(ctx.job.data_as_of, sa.Date), sa.Date)
    cert = sa.select(
        coded.c.intyg_id.label("unit_key"), coded.c.patient_id.label("person_key"),
        known_region(coded.c.lan_kod).label("region_code"), known_sex(coded.c.kon).label("sex"),
        age_group(coded.c.alder, ctx.age_bands).label("age_group"), diagnosis_main(coded.c.code).label("diag_main"),
        diagnosis_sub(coded.c.code).label("diag_sub"), coded.c.vardniva.label("care_level"),
        coded.c.vardenhet_id.label("unit_id"), coded.c.vardgivare_id, coded.c.signeringsdatum.label("signed_date"),
        msgs.c.komplt_days, msgs.c.paminn_days, closed.label("window_closed")).select_from(
        coded.join(msgs, msgs.c.intyg_id == coded.c.intyg_id, isouter=True)).subquery("cert")
    return (sa.select(*_period_cols(p), *[c for c in cert.c])
            .select_from(cert.join(p, cert.c.signed_date.between(p.c.period_start, p.c.period_end))))


# Bases of the other sources register themselves on import (PAS, units survey, population, NPE).
from . import bases_pas as _bases_pas  # noqa: E402,F401
from . import bases_units as _bases_units  # noqa: E402,F401
