"""Measures over several source kinds: which variants a job's sources give, and the refusals
that name what is missing."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from helpers import intyg_row, midas_row as m, run, write_intygsstatistik, write_job, write_midas, write_pas, pas_row
from indikatorer.engine.evaluate import plan_variants
from indikatorer.errors import CapabilityError
from indikatorer.sources import LoadedSource
from indikatorer.spec.layouts import load_layout
from indikatorer.spec.measures import load_catalogue


def _ctx(*kinds, tables=None, keys=None):
    sources = {}
    for kind in kinds:
        src = LoadedSource(f"src_{kind}", kind, load_layout(kind))
        for t in (tables or {}).get(kind, load_layout(kind).tables):
            src.tables[t] = None
        src.pseudonym_key_id = (keys or {}).get(kind)
        sources[src.name] = src
    return SimpleNamespace(sources=sources)


def _variants(measure, *kinds, **kw):
    return [p.variant for p in plan_variants(_ctx(*kinds, **kw), load_catalogue()[measure])]


def test_single_kind_specs_keep_their_variants():
    assert _variants("7.1", "midas", "intygsstatistik") == [
        "midas", "midas:all-lengths", "midas:persons", "intygsstatistik", "intygsstatistik:all-lengths",
        "intygsstatistik:persons"]


def test_multi_source_entries_and_variant_only_entries():
    assert _variants("5.1", "midas", "pas") == ["midas+pas", "midas+pas:period", "pas+midas:aggregate"]
    assert _variants("2.2", "midas", "pas", "enheter", "intygsstatistik") == [
        "pas+intygsstatistik", "pas+midas", "enheter+intygsstatistik:nyckeltal", "enheter+midas:nyckeltal"]
    assert _variants("2.2", "midas", "enheter") == ["enheter+midas:nyckeltal"]
    assert _variants("N.2", "intygsstatistik", "population") == [
        "intygsstatistik+population", "intygsstatistik+population:age-standardised"]


def test_by_source_adapts_the_default_to_midas():
    plans = {p.variant: p for p in plan_variants(_ctx("midas", "pas", "intygsstatistik"), load_catalogue()["2.2"])}
    assert plans["pas+intygsstatistik"].override is None
    assert plans["pas+midas"].override.denominator.where is None
    assert plans["pas+midas"].source.kind == "pas"
    assert plans["pas+midas"].entry == ("pas", "midas")


@pytest.mark.parametrize("measure, kinds, message", [
    ("4.1", ("midas",), "`4.1` needs sources midas+pas; the job has midas (missing pas)"),
    ("4.1", ("intygsstatistik", "pas"), "intygsstatistik's patient ids are de-identified"),
    ("2.1a", ("midas",), "missing enheter"),
    ("2.2", ("midas",), "missing pas"),
    ("6.1", ("midas",), "`6.1` needs a source of kind npe; the job has midas"),
    ("N.2", ("midas",), "missing population"),
    ("5.2", ("intygsstatistik",), "intygsstatistik does not publish impulses"),
    ("3.2", ("pas",), "`3.2` needs a source of kind enheter; the job has pas"),
])
def test_refusals_name_what_is_missing(measure, kinds, message):
    with pytest.raises(CapabilityError) as err:
        plan_variants(_ctx(*kinds), load_catalogue()[measure])
    assert message in str(err.value)


def test_required_table_missing():
    with pytest.raises(CapabilityError, match=r"source `src_midas` \(midas\) has no table `arenden`"):
        plan_variants(_ctx("midas", tables={"midas": ["perioder"]}), load_catalogue()["5.2"])


def test_person_linkage_across_different_keys_is_refused_but_aggregate_runs():
    ctx = _ctx("midas", "pas", keys={"midas": "key-a", "pas": "key-b"})
    assert [p.variant for p in plan_variants(ctx, load_catalogue()["5.1"])] == ["pas+midas:aggregate"]
    with pytest.raises(CapabilityError, match="different keys"):
        plan_variants(ctx, load_catalogue()["4.1"])


def test_linkage_of_a_hashed_and_a_plain_source_is_noted():
    plans = plan_variants(_ctx("midas", "pas", keys={"pas": "key-a"}), load_catalogue()["4.1"])
    assert plans and all("person linkage assumes" in p.notes[0] for p in plans)


def test_measures_all_skips_what_the_sources_cannot_support(tmp_path):
    write_midas(tmp_path, [m("P1", "2020-01-01", "2020-03-31")])
    out = run(write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas"}}))
    skipped = json.loads((tmp_path / "output" / "manifest.json").read_text())["skipped"]
    assert skipped["4.1"] == "`4.1` needs sources midas+pas; the job has midas (missing pas)"
    assert skipped["6.1"] == "`6.1` needs a source of kind npe; the job has midas"
    assert {"7.1", "7.4"} <= set(out.measure_id)
    assert not {"4.1", "2.1a", "N.2"} & set(out.measure_id)


def test_explicit_measure_refused_in_one_line_exit_2(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    write_intygsstatistik(tmp_path, [intyg_row("I1", "X", "2020-05-01")], [["I1", 100, "2020-05-01", "2020-05-30"]])
    write_pas(tmp_path, [pas_row("K1", "X", "2020-05-02", op="DV077")])
    job = write_job(tmp_path, {"i": {"kind": "intygsstatistik", "path": "intyg"}, "r": {"kind": "pas", "path": "pas"}},
                    measures=["4.2"])
    proc = subprocess.run([str(Path(sys.executable).with_name("indikatorer")), "run", str(job)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: `4.2` cannot run: 4.2 links sick-leave cases to PAS contacts person by person; "
                      "intygsstatistik's patient ids are de-identified and cannot be linked (use a midas source "
                      "with a pas source)"]
