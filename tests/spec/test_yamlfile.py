"""The spec files are parsed with libyaml (``yaml.CSafeLoader``): the same objects as the
pure-Python ``yaml.SafeLoader``, and an invalid file reports the pure loader's error line."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from indikatorer.errors import SpecError
from indikatorer.paths import data_dir
from indikatorer.spec import yamlfile
from indikatorer.spec.yamlfile import read_yaml


def _bundled_yaml() -> list[Path]:
    files = [p for d in ("measures", "sources", "config") for p in sorted(data_dir(d).rglob("*.yaml"))]
    assert len(files) > 20
    return files


def test_libyaml_is_used_when_available():
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    assert yamlfile._LOADER is yaml.CSafeLoader


def test_every_bundled_spec_file_loads_as_with_the_pure_loader():
    for path in _bundled_yaml():
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_the_fast_path_parses_with_libyaml(monkeypatch, tmp_path):
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    f = tmp_path / "a.yaml"
    f.write_text("a: [1, 2]\nb: {c: 2021-06-30}\n", encoding="utf-8")
    expected = yaml.safe_load(f.read_text())
    calls = []
    real = yaml.load

    def load(text, Loader):
        calls.append(Loader)
        return real(text, Loader=Loader)
    monkeypatch.setattr(yamlfile.yaml, "load", load)
    assert read_yaml(f) == expected
    assert calls == [yaml.CSafeLoader]


@pytest.mark.parametrize("text", ["a: 1\nb: [1, 2\nc: 3\n", "a: 1\n  b: 2\n", "a: \x07\n"])
def test_invalid_yaml_reports_the_pure_loaders_line(tmp_path, text):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        expected = f"{f}{f' line {mark.line + 1}' if mark else ''}: not valid YAML"
    with pytest.raises(SpecError) as err:
        read_yaml(f)
    assert str(err.value) == expected
