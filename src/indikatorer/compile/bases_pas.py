"""Bases over PAS contacts and Försäkringskassan's case events, and sick-leave cases linked to
them person by person.

* ``pas_contacts`` — PAS contacts dated in the period (every contact type, ``ADMIN`` — without
  the patient present — included), with ``has_code`` = the space-separated ``op`` column
  holds a KVÅ code of the option ``kva_codes`` (a list of config/kva_codes.yaml or codes).
* ``linked_cases`` — the sick-leave cases of the MiDAS source (window as base ``cases``) with
  the same person's PAS contacts in the case's window ``[start − lookback_days, end]``:
  ``first_contact_date``, ``contacts``, ``has_contact`` for contacts with a ``kva_codes``
  code (any code when the option is empty) and a ``contact_types`` type (any when empty);
  ``has_followup`` = a contact with a ``followup_codes`` code dated after the first such
  contact and no later than the case end; ``in_coverage`` = the case's region is one the
  PAS extract covers (a region's PAS knows nothing of care given elsewhere).
* ``covered_cases`` — base ``cases`` plus ``in_coverage``: the case's region is one that the
  plan's region-level sources (PAS contacts, the units survey) report on.
* ``case_events`` — Försäkringskassan's case events (MiDAS table ``arenden``) dated in the
  period; ``handelse`` is the event (``IMPULS_INTYG`` …); region and unit of the care unit.

Persons are linked on the pseudonym ``person_id``; both sources must carry the same
pseudonym (see sources/pseudonym.py).

The PAS table is large (tens of millions of contacts) and few contacts carry a KVÅ code of
interest: ``linked_cases`` reads the contacts it links (person, date) from a per-run table
per code list and contact types (``_hits``), itself filtered from one per-run table of the
contacts carrying any code of config/kva_codes.yaml; the coverage regions are a per-run
table too (``_regions``)."""
from __future__ import annotations

import sqlalchemy as sa

from ..errors import CapabilityError
from ..spec.codelists import kva_code_lists, kva_codes
from .bases import _period_cols, base, cases_base, source_names
from .groups import diagnosis_main, diagnosis_sub, known_region, normalised_icd

_NULL = lambda: sa.cast(sa.null(), sa.String)  # noqa: E731


def has_any_code(op_column, codes) -> sa.ColumnElement:
    """The space-separated code list holds one of ``codes`` (True when ``codes`` is None)."""
    if not codes:
        return sa.true()
    padded = sa.literal(" ") + sa.func.upper(sa.func.replace(sa.func.coalesce(op_column, ""), ",", " ")) + sa.literal(" ")
    # most contacts have no code at all: the cheap test first (never NULL, so NOT stays exact)
    return sa.and_(op_column.is_not(None), sa.or_(*[padded.contains(f" {c} ") for c in codes]))


def _pas(sources, name: str):
    pas = (sources or {}).get("pas")
    if pas is None:
        raise CapabilityError(f"base `{name}` links PAS contacts; the plan has no pas source")
    return pas


def _type_list(options) -> tuple[str, ...] | None:
    types = options.get("contact_types")
    if not types:
        return None
    return tuple(sorted({str(t).upper() for t in ([types] if isinstance(types, str) else types)}))


def _materialise(ctx, prefix: str, select: sa.Select) -> sa.TableClause:
    return ctx.session.materialize(ctx.session.new_name(prefix), select)


_PAS_COLUMNS = ("kontakt_id", "person_id", "lan_kod", "hdia", "vardniva", "vardenhet_id", "vardgivare_id",
                "kontaktdatum", "kontakttyp", "yrkeskategori", "op")


def _every_code() -> set[str]:
    return {c for lst in kva_code_lists().values() for c in lst}


def _kva_contacts(ctx, pas) -> sa.TableClause:
    """The PAS contacts carrying any code of config/kva_codes.yaml (a few per cent of them);
    per run."""
    k = pas.table("kontakter")
    return ctx.cached(("pas_kva_contacts", pas.name), lambda: _materialise(
        ctx, "pas_kva_contacts", sa.select(*[k.c[c] for c in _PAS_COLUMNS]).where(has_any_code(k.c.op, sorted(_every_code())))))


def _contacts(ctx, pas, codes) -> sa.FromClause:
    """The PAS contacts with ``has_code`` (one of ``codes``). With a code list of
    config/kva_codes.yaml: the per-run table of coded contacts (``has_code`` computed) and the
    other contacts (``has_code`` false); a filter on ``has_code`` then reads only the first."""
    k = pas.table("kontakter")
    if not codes or not getattr(ctx, "share", False) or not set(codes) <= _every_code():
        return sa.select(*[k.c[c] for c in _PAS_COLUMNS], has_any_code(k.c.op, codes).label("has_code")).subquery("k")
    kva = _kva_contacts(ctx, pas)
    coded = sa.select(*[kva.c[c] for c in _PAS_COLUMNS], has_any_code(kva.c.op, codes).label("has_code"))
    rest = sa.select(*[k.c[c] for c in _PAS_COLUMNS], sa.false().label("has_code")).where(
        sa.not_(has_any_code(k.c.op, sorted(_every_code()))))
    return sa.union_all(coded, rest).subquery("k")


def _hits(ctx, pas, codes, types) -> sa.FromClause:
    """(pid, d) of the PAS contacts carrying one of ``codes`` (any when None) of a contact type
    in ``types`` (any when None); a per-run table unless neither restricts the contacts."""
    k = pas.table("kontakter")

    def select(src):
        conds = [has_any_code(src.c.op, codes)]
        if types:
            conds.append(sa.func.upper(src.c.kontakttyp).in_(list(types)))
        return sa.select(src.c.person_id.label("pid"), src.c.kontaktdatum.label("d")).where(*conds)
    if not codes and not types or not getattr(ctx, "share", False):
        return select(k).subquery("hits")

    def build():
        src = _kva_contacts(ctx, pas) if codes and set(codes) <= _every_code() else k
        return _materialise(ctx, "pas_hits", select(src))
    return ctx.cached(("pas_hits", pas.name, codes, types), build)


def _regions(ctx, source, table: str) -> sa.FromClause:
    """The distinct known regions (column ``r``) of a source table's ``lan_kod``; per run."""
    t = source.table(table)
    # the few distinct codes first, then their known regions (not a test per row)
    codes = sa.select(t.c.lan_kod).distinct().subquery("codes")
    select = sa.select(known_region(codes.c.lan_kod).label("r")).distinct()
    if not getattr(ctx, "share", False):
        return select.subquery("regions")
    return ctx.cached(("regions", source.name, table), lambda: _materialise(ctx, "regions", select))


def _pas_periods(ctx, source, window, options) -> sa.Select:
    """The periods with a PAS contact (those ``pas_contacts`` has rows for), from the per-run
    table of distinct contact dates."""
    k, p = source.table("kontakter"), ctx.periods
    select = sa.select(k.c.kontaktdatum.label("d")).distinct()
    dates = (ctx.cached(("pas_dates", source.name), lambda: _materialise(ctx, "pas_dates", select))
             if getattr(ctx, "share", False) else select.subquery("dates"))
    return sa.select(p.c.period).where(
        sa.exists(sa.select(dates.c.d).where(dates.c.d.between(p.c.period_start, p.c.period_end))))


@base("pas_contacts", kinds=("pas",), stream=True, presence=_pas_periods)
def pas_contacts_base(ctx, source, window, options):
    p = ctx.periods
    k = _contacts(ctx, source, kva_codes(options.get("kva_codes")))
    code = normalised_icd(k.c.hdia)
    return sa.select(
        *_period_cols(p), k.c.kontakt_id.label("unit_key"), k.c.person_id.label("person_key"),
        known_region(k.c.lan_kod).label("region_code"), _NULL().label("sex"), _NULL().label("age_group"),
        diagnosis_main(code).label("diag_main"), diagnosis_sub(code).label("diag_sub"),
        k.c.vardniva.label("care_level"), k.c.vardenhet_id.label("unit_id"), k.c.vardgivare_id,
        k.c.kontaktdatum.label("contact_date"), sa.func.upper(k.c.kontakttyp).label("kontakttyp"),
        k.c.yrkeskategori, k.c.op, k.c.hdia, k.c.has_code,
    ).select_from(k.join(p, k.c.kontaktdatum.between(p.c.period_start, p.c.period_end)))


def _cases_in_window(ctx, source, window, options):
    """The ``cases`` base of (source, window) as a per-run table: the linked-cases bases of the
    measures and variants that differ only in their codes (4.1, 4.2, 5.1, N.1 …) read the same
    case rows, which for ``ongoing_on_reference`` are a join of the case periods with the
    reference dates — built once instead of once per base. A subquery when the run shares nothing."""
    select = cases_base(ctx, source, window, options)
    if not getattr(ctx, "share", False):
        return select.subquery()
    key = ("cases_in_window", getattr(source, "name", None), window, int(options.get("max_gap_days", 5)),
           tuple(p.label for p in ctx.periods_list), ctx.age_bands)
    return ctx.cached(key, lambda: _materialise(ctx, "cases_in_window", select))


@base("linked_cases", kinds=("midas",))
def linked_cases_base(ctx, source, window, options, sources=None):
    pas = _pas(sources, "linked_cases")
    lc = _cases_in_window(ctx, source, window, options).alias("lc")
    # The contacts depend on the case only (its person, start and end), not on the period: they
    # are aggregated per case (case_id = unit_key), before the join with the case's periods.
    c = ctx.cases(source, int(options.get("max_gap_days", 5))).cases
    lookback = int(options.get("lookback_days", 0))
    codes = kva_codes(options.get("kva_codes"))
    hits = _hits(ctx, pas, codes, _type_list(options)).alias("hits")
    first = sa.select(c.c.case_id, sa.func.min(hits.c.d).label("first_contact_date"),
                      sa.func.count().label("contacts")).select_from(
        c.join(hits, sa.and_(hits.c.pid == c.c.person_key, hits.c.d >= c.c.start_date - lookback,
                             hits.c.d <= c.c.end_date))
    ).group_by(c.c.case_id).subquery("first_hit")
    cols = [*lc.c, first.c.first_contact_date,
            sa.func.coalesce(first.c.contacts, 0).label("contacts"),
            first.c.first_contact_date.is_not(None).label("has_contact")]
    joined = lc.join(first, first.c.case_id == lc.c.unit_key, isouter=True)
    fcodes = kva_codes(options.get("followup_codes"), "followup_codes")
    if fcodes:
        fu = _hits(ctx, pas, fcodes, None).alias("fu")
        c2 = c.alias("c2")
        follow = sa.select(first.c.case_id, sa.func.min(fu.c.d).label("first_followup_date")).select_from(
            first.join(c2, c2.c.case_id == first.c.case_id)
            .join(fu, sa.and_(fu.c.pid == c2.c.person_key, fu.c.d > first.c.first_contact_date,
                              fu.c.d <= c2.c.end_date))
        ).group_by(first.c.case_id).subquery("follow")
        joined = joined.join(follow, follow.c.case_id == lc.c.unit_key, isouter=True)
        cols += [follow.c.first_followup_date, follow.c.first_followup_date.is_not(None).label("has_followup")]
    else:
        cols += [sa.cast(sa.null(), sa.Date).label("first_followup_date"), sa.false().label("has_followup")]
    regions = _regions(ctx, pas, "kontakter")
    cols.append(lc.c.region_code.in_(sa.select(regions.c.r)).label("in_coverage"))
    return sa.select(*cols).select_from(joined)


def _coverage_regions(ctx, sources):
    """Region codes the plan's region-level sources report on (None: no such source)."""
    parts = []
    pas = (sources or {}).get("pas")
    if pas is not None and pas.has("kontakter"):
        parts.append(sa.select(_regions(ctx, pas, "kontakter").c.r))
    units = (sources or {}).get("enheter")
    if units is not None and units.has("enheter"):
        parts.append(sa.select(_regions(ctx, units, "enheter").c.r))
    if not parts:
        return None
    return sa.union(*parts) if len(parts) > 1 else parts[0].distinct()


def _coverage_key(ctx, source, sources):
    """What ``covered_cases`` reads of the other sources: the covered region codes themselves
    (a units survey and a PAS extract of the same regions give the same base)."""
    others = _others(source, sources)
    regions = _coverage_regions(ctx, others)
    if regions is None:
        return None
    return ctx.cached(("coverage", source_names(others)), lambda: tuple(sorted(
        str(r[0]) for r in ctx.session.execute(sa.select(regions.subquery("cov").c[0])).fetchall())))


def _others(source, sources):
    return {k: v for k, v in (sources or {}).items() if k != source.kind}


@base("covered_cases", kinds=("midas", "intygsstatistik"), sources_key=_coverage_key)
def covered_cases_base(ctx, source, window, options, sources=None):
    c = cases_base(ctx, source, window, options).subquery("cc")
    regions = _coverage_regions(ctx, _others(source, sources))
    covered = sa.true() if regions is None else c.c.region_code.in_(sa.select(regions.subquery("cov").c[0]))
    return sa.select(*c.c, covered.label("in_coverage"))


@base("case_events", kinds=("midas",))
def case_events_base(ctx, source, window, options):
    if not source.has("arenden"):
        raise CapabilityError(f"source `{source.name}` (midas) has no table `arenden` (Försäkringskassan's case "
                              f"events)")
    a, p = source.table("arenden"), ctx.periods
    return sa.select(
        *_period_cols(p), sa.cast(a.c._row, sa.String).label("unit_key"), a.c.person_id.label("person_key"),
        known_region(a.c.lan_kod).label("region_code"), _NULL().label("sex"), _NULL().label("age_group"),
        _NULL().label("diag_main"), _NULL().label("diag_sub"), _NULL().label("care_level"),
        a.c.vardenhet_id.label("unit_id"), a.c.datum.label("event_date"), sa.func.upper(a.c.handelse).label("handelse"),
    ).select_from(a.join(p, a.c.datum.between(p.c.period_start, p.c.period_end)))
