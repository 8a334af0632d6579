"""Versioned, crash-safe publication of the output folder.

    OUTPUT/versions/<run_id>/indicators/measure_id=…/period=…/data.parquet
    OUTPUT/versions/<run_id>/manifest.json
    OUTPUT/current        -> versions/<run_id>          (swapped with one atomic rename)
    OUTPUT/indicators     -> current/indicators         (fixed links: readers use these)
    OUTPUT/manifest.json  -> current/manifest.json
    OUTPUT/history/<run_id>.json                        (every published manifest)

A run builds its version in ``versions/.tmp-<run_id>``: the partitions it recomputes are
written there, every other partition of the current version is hard-linked (so it is
byte-identical and costs nothing), the manifest is written last, the folder is renamed and
``current`` is flipped. A process killed at any point leaves ``current`` on a complete
version; the next run removes the leftovers."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .manifest import write_json_atomic

KEEP_VERSIONS = 3


def current_version(output: Path) -> Path | None:
    cur = output / "current"
    if cur.is_symlink() and cur.resolve().is_dir():
        return cur.resolve()
    return None


def begin_version(output: Path, run_id: str) -> Path:
    versions = output / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for stale in versions.glob(".tmp-*"):                   # from a killed run (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    _adopt_legacy(output)
    staging = versions / f".tmp-{run_id}"
    (staging / "indicators").mkdir(parents=True)
    return staging


def carry_over(staging: Path, previous: Path | None, keep: set[str]) -> list[str]:
    """Hard-link the partitions ``measure/period`` in ``keep`` from the previous version."""
    carried = []
    if previous is None:
        return carried
    for f in sorted((previous / "indicators").glob("measure_id=*/period=*/data.parquet")):
        key = f"{f.parent.parent.name.split('=', 1)[1]}/{f.parent.name.split('=', 1)[1]}"
        if key not in keep:
            continue
        target = staging / f.relative_to(previous)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, target)
        except OSError:
            shutil.copy2(f, target)
        carried.append(key)
    return carried


def publish(output: Path, staging: Path, run_id: str, manifest: dict, mode: int = 0o644,
            crash=lambda point: None) -> Path:
    write_json_atomic(staging / "manifest.json", manifest, mode)
    final = staging.parent / run_id
    os.replace(staging, final)
    crash("before_switch")
    _fsync_dir(final.parent)
    tmp_link = output / f".current-{run_id}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(Path("versions") / run_id, tmp_link)
    os.replace(tmp_link, output / "current")                # the atomic switch
    _fsync_dir(output)
    crash("after_switch")
    for name, target in (("indicators", "current/indicators"), ("manifest.json", "current/manifest.json")):
        link = output / name
        if not link.is_symlink():
            os.symlink(target, link)
    write_json_atomic(output / "history" / f"{run_id}.json", manifest, mode)
    _prune(output, final)
    return final


def _prune(output: Path, keep_dir: Path) -> None:
    versions = sorted((p for p in (output / "versions").iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.name)
    for old in versions[:-KEEP_VERSIONS]:
        if old.resolve() != keep_dir.resolve():
            shutil.rmtree(old, ignore_errors=True)


def _adopt_legacy(output: Path) -> None:
    """An output folder written before versioning (plain ``indicators/`` dir) becomes a version."""
    ind, man = output / "indicators", output / "manifest.json"
    if ind.is_dir() and not ind.is_symlink():
        legacy = output / "versions" / "00000000-legacy"
        legacy.mkdir(parents=True, exist_ok=True)
        os.replace(ind, legacy / "indicators")
        if man.is_file() and not man.is_symlink():
            os.replace(man, legacy / "manifest.json")
        tmp = output / ".current-legacy"
        os.symlink(Path("versions") / legacy.name, tmp)
        os.replace(tmp, output / "current")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def output_mode(input_paths: list[Path]) -> int:
    """Output files get no permission bit that some input file lacks (never wider)."""
    mode = 0o644
    for p in input_paths:
        try:
            files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()][:50]
            for f in files:
                mode &= os.stat(f).st_mode & 0o666
        except OSError:
            continue
    return mode | 0o600
