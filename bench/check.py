"""Check a reference's cells against the engine's indicator table.

    python bench/check.py ENGINE_OUTPUT_DIR REFERENCE_CELLS.parquet [--json]

For every 7.x measure × MiDAS variant × period the engine wrote, every cell of the engine's
complete cube that is not suppressed must have exactly the reference's numerator and
denominator (a cell missing from the reference counts 0); a suppressed engine cell must be
non-zero and below the disclosure threshold in the reference (or hidden by complementary
suppression — those are only counted). Region 00 with all-``T`` cells are reported apart."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

KEYS = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group"]
MEASURES = ["7.1", "7.2a", "7.2b", "7.2c", "7.3", "7.4", "7.5"]
VARIANTS = ["midas", "midas:all-lengths", "midas:persons"]


def engine_cells(output: Path) -> pd.DataFrame:
    dataset = ds.dataset(str(output / "indicators"), format="parquet", partitioning="hive")
    flt = ds.field("measure_id").isin(MEASURES) & ds.field("variant").isin(VARIANTS)
    cols = KEYS + ["care_level", "numerator", "denominator", "value", "suppressed"]
    t = dataset.to_table(filter=flt, columns=cols).to_pandas()
    for c in KEYS:
        t[c] = t[c].astype(str)
    return t


def compare(engine: pd.DataFrame, ref: pd.DataFrame) -> dict:
    ref = ref.copy()
    for c in KEYS:
        ref[c] = ref[c].astype(str)
    dup = int(ref.duplicated(KEYS).sum())
    m = engine.merge(ref, on=KEYS, how="outer", suffixes=("_e", "_r"), indicator=True)
    only_ref = m[(m["_merge"] == "right_only") & ((m["numerator_r"] != 0) | (m["denominator_r"] != 0))]
    m = m[m["_merge"] != "right_only"].copy()
    m[["numerator_r", "denominator_r"]] = m[["numerator_r", "denominator_r"]].fillna(0.0)
    pub = m[~m["suppressed"].astype(bool)]
    bad = pub[(pub["numerator_e"] != pub["numerator_r"]) | (pub["denominator_e"] != pub["denominator_r"])]
    total = pub[(pub["region_code"] == "00") & (pub["sex"] == "T") & (pub["age_group"] == "T")
                & (pub["diagnosis_group"] == "T")]
    bad_total = total[(total["numerator_e"] != total["numerator_r"]) | (total["denominator_e"] != total["denominator_r"])]
    # published value = numerator / denominator (mean or proportion) — same within rounding
    v = pub[pub["denominator_r"] > 0]
    rel = np.abs(v["value"] - v["numerator_r"] / v["denominator_r"]) / np.maximum(1e-12, np.abs(v["value"]))
    supp = m[m["suppressed"].astype(bool)]
    return {
        "engine_cells": int(len(m)), "published_compared": int(len(pub)), "mismatches": int(len(bad)),
        "riket_total_cells": int(len(total)), "riket_total_mismatches": int(len(bad_total)),
        "suppressed_cells": int(len(supp)), "reference_only_nonzero": int(len(only_ref)),
        "reference_duplicates": dup, "max_value_rel_diff": float(rel.max()) if len(rel) else 0.0,
        "by_measure": {f"{k[0]} {k[1]}": int(len(g)) for k, g in pub.groupby(["measure_id", "variant"])},
        "examples": bad.head(5)[KEYS + ["numerator_e", "numerator_r", "denominator_e", "denominator_r"]]
        .to_dict("records") + only_ref.head(3)[KEYS + ["numerator_r", "denominator_r"]].to_dict("records"),
        "ok": bool(len(bad) == 0 and len(only_ref) == 0 and dup == 0 and len(total) > 0),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("reference")
    a = ap.parse_args(argv)
    res = compare(engine_cells(Path(a.output)), pd.read_parquet(a.reference))
    print(json.dumps(res, default=str))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
