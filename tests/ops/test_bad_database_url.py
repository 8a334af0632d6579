"""A SQL URL that cannot connect: exit 3, one line, the password hidden, nothing written."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def test_unreachable_database_is_one_line_exit_3(tmp_path):
    job = {"data_as_of": "2021-06-30", "periods": ["2020"], "output": "out/",
           "sources": {"fk": {"kind": "midas", "url": "postgresql+psycopg://someone:s3cret@127.0.0.1:1/x"}}}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job))
    exe = str(Path(sys.executable).with_name("indikatorer"))
    res = subprocess.run([exe, "run", str(tmp_path / "job.yaml")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 3
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to postgresql+psycopg://someone:***@")
    assert "s3cret" not in res.stderr and not (tmp_path / "out" / "indicators").exists()
