"""``OutputData.rows`` (grouped once) gives the frame a mask over all cells gives."""
from __future__ import annotations

import pandas as pd

from indikatorer.report.data import load_output


def test_rows_equal_the_mask(small_output):
    data = load_output(small_output)
    c = data.cells
    pairs = [(m, v) for m in data.measure_ids() for v in data.variants(m)] + [("7.4", "nope"), ("x", "midas")]
    for mid, variant in pairs:
        got = data.rows(mid, variant)
        pd.testing.assert_frame_equal(got, c[(c["measure_id"] == mid) & (c["variant"] == variant)])
    assert len(data.rows("7.4", "midas")) > 0 and data.rows("x", "midas").empty
    rows = data.rows("7.4", "midas")
    rows.loc[:, "value"] = -1.0                                      # a copy: the cells stay as they were
    assert (data.rows("7.4", "midas")["value"] != -1.0).any()
