from __future__ import annotations

import pytest

from indikatorer.synth import write_synthetic

from synth.synth_shapes import DATA_AS_OF, PERSONS, shapes


@pytest.fixture(scope="session")
def synth_20k(tmp_path_factory):
    """The default-sized Parquet set (20 000 sick-listed persons, seed 1, year 2020)."""
    out = tmp_path_factory.mktemp("synth20k")
    job = write_synthetic(out, persons=PERSONS, seed=1, year=2020)
    return out, job


@pytest.fixture(scope="session")
def synth_shapes(synth_20k):
    return shapes(synth_20k[0], DATA_AS_OF)
