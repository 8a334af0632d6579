"""Same arguments -> byte-identical files; another seed -> other data."""
from __future__ import annotations

from pathlib import Path

from indikatorer.synth import write_synthetic


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    a = _files(Path(write_synthetic(tmp_path / "a", persons=2_000, seed=7)).parent)
    b = _files(Path(write_synthetic(tmp_path / "b", persons=2_000, seed=7)).parent)
    assert len(a) == 13
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


def test_same_seed_same_bytes_csv(tmp_path):
    a = _files(Path(write_synthetic(tmp_path / "a", persons=500, seed=3, fmt="csv")).parent)
    b = _files(Path(write_synthetic(tmp_path / "b", persons=500, seed=3, fmt="csv")).parent)
    assert a == b


def test_other_seed_differs(tmp_path):
    a = _files(Path(write_synthetic(tmp_path / "a", persons=2_000, seed=1)).parent)
    b = _files(Path(write_synthetic(tmp_path / "b", persons=2_000, seed=2)).parent)
    for name in ("midas/perioder.parquet", "intygsstatistik/intyg.parquet", "pas/kontakter.parquet",
                 "population/befolkning.parquet", "npe/svar.parquet"):
        assert a[name] != b[name], name
    assert a["job.yaml"] == b["job.yaml"]
