"""Personnummer at ingest: format and Luhn checks, HMAC-SHA-256 pseudonyms linking MiDAS and
PAS, invalid numbers counted (never shown, never dropped), a missing key refused (exit 2)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import cell, midas_row as m, pas_row as k, run, write_job, write_midas, write_pas
from indikatorer.errors import JobError
from indikatorer.sources.pseudonym import check_numbers, pseudonyms

ON = dt.date(2021, 6, 30)


@pytest.mark.parametrize("raw, canonical", [
    ("811228-9874", "198112289874"), ("198112289874", "198112289874"), ("19811228-9874", "198112289874"),
    ("8112289874", "198112289874"), (" 811228-9874 ", "198112289874"),
    ("121212+1212", "191212121212"),          # + : 100 years or older
    ("121212-1212", "201212121212"),          # - : the century that makes the person at most 99
    ("811288-9871", "198112889871"),          # samordningsnummer: day 28 + 60
])
def test_valid_numbers_are_canonical(raw, canonical):
    assert list(check_numbers([raw], ON).canonical) == [canonical]


@pytest.mark.parametrize("raw, reason", [
    ("811228-9875", "check digit"), ("811328-9874", "date"), ("810230-1234", "date"), ("811258-9870", "date"),
    ("abc", "format"), ("81122-89874", "format"), ("", "format"), ("٨١١٢٢٨-٩٨٧٤", "format")])
def test_invalid_numbers_and_why(raw, reason):
    checked = check_numbers([raw], ON)
    assert checked.canonical[0] is None and checked.reason[0] == reason


def test_pseudonym_is_hmac_sha256_of_the_canonical_number():
    out, reasons = pseudonyms(["811228-9874", "198112289874", "811228-9875"], b"k", ON)
    expected = hmac.new(b"k", b"198112289874", hashlib.sha256).hexdigest()
    assert out[0] == out[1] == expected
    assert out[2] == hmac.new(b"k", b"invalid:811228-9875", hashlib.sha256).hexdigest()
    assert list(reasons) == [None, None, "check digit"]


MIDAS = [m("198112289874", "2020-11-01", "2021-01-31"),     # linked to 811228-9874 in PAS
         m("198112289875", "2020-11-01", "2021-01-31"),     # invalid check digit: kept, links to nothing
         m("197010632391", "2020-11-01", "2021-01-31")]     # samordningsnummer, no plan
CONTACTS = [k("K1", "811228-9874", "2020-11-02", op="DV077"),
            k("K2", "811228-9875", "2020-11-02", op="DV077"),
            k("K3", "811228-9875", "2020-11-03", op="DV077")]


def _job(tmp_path, env="TEST_PSEUDONYM_KEY", pas_env="TEST_PSEUDONYM_KEY"):
    write_midas(tmp_path, MIDAS)
    write_pas(tmp_path, CONTACTS)
    return write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas", "pseudonym_key_env": env},
                                "region": {"kind": "pas", "path": "pas", "pseudonym_key_env": pas_env}},
                     measures=["4.1"])


def test_linkage_on_pseudonyms_and_invalid_numbers_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_PSEUDONYM_KEY", "a secret key")
    df = run(_job(tmp_path))
    row = cell(df, "4.1", "midas+pas")
    assert (row.numerator, row.denominator) == (1, 3)
    notes = json.loads((tmp_path / "output" / "manifest.json").read_text())["notes"]
    pas_note = next(n for n in notes if "`region`" in n and "pseudonymised" in n)
    assert "2 rows (1 distinct values) are not valid" in pas_note and "check digit: 1" in pas_note
    midas_note = next(n for n in notes if "`fk`" in n and "pseudonymised" in n)
    assert "1 rows (1 distinct values)" in midas_note
    # no personnummer anywhere in the output (table, manifest, quality report)
    for path in (tmp_path / "output").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for raw in (b"8112289874", b"811228-9874", b"811228-9875", b"1970106323"):
                assert raw not in data, path


def test_missing_key_is_exit_2_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_PSEUDONYM_KEY_UNSET", raising=False)
    job = _job(tmp_path, env="TEST_PSEUDONYM_KEY_UNSET", pas_env="TEST_PSEUDONYM_KEY_UNSET")
    with pytest.raises(JobError, match="TEST_PSEUDONYM_KEY_UNSET"):
        run(job)
    exe = str(Path(sys.executable).with_name("indikatorer"))
    env = {k: v for k, v in os.environ.items() if k != "TEST_PSEUDONYM_KEY_UNSET"}
    proc = subprocess.run([exe, "run", str(job)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2
    error_lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "pseudonym_key_env" in error_lines[0]
    assert not (tmp_path / "output" / "indicators").exists()


def test_sources_with_different_keys_are_not_linked(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_KEY_A", "one")
    monkeypatch.setenv("TEST_KEY_B", "another")
    from indikatorer.errors import CapabilityError
    with pytest.raises(CapabilityError, match="different keys"):
        run(_job(tmp_path, env="TEST_KEY_A", pas_env="TEST_KEY_B"))


def test_plain_personnummer_without_a_key_are_refused(tmp_path):
    numbers = [f"19{y:02d}0101{s:03d}" for y in range(50, 99) for s in range(0, 40)]
    valid = []
    for n in numbers:
        digits = [int(c) for c in n[2:11]]
        total = sum(d * 2 // 10 + d * 2 % 10 if i % 2 == 0 else d for i, d in enumerate(digits))
        valid.append(n + str((10 - total % 10) % 10))
        if len(valid) == 30:
            break
    write_midas(tmp_path, [m(v, "2020-01-01", "2020-01-31") for v in valid])
    job = write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas"}}, measures=["7.4"])
    with pytest.raises(JobError, match="holds personnummer") as err:
        run(job)
    assert not any(v in str(err.value) for v in valid)
