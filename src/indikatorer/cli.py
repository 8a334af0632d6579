"""Command line of job.md: run, validate, measures, synth, demo.

Every failure prints one line (what and where) and exits with the code of job.md:
0 success, 1 data-quality failure, 2 bad job file or command line, 3 source not readable
(4: an internal error — a bug; the line says so)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import IndikatorError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Follow-up measures for the sick-leave and rehabilitation process.")


def _fail(exc: BaseException) -> None:
    if isinstance(exc, IndikatorError):
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    typer.echo(f"internal error: {type(exc).__name__}: {first[:300]} (please report)", err=True)
    raise typer.Exit(4)


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except Exception as exc:  # one line, never a traceback
        _fail(exc)


@app.command()
def run(job_file: Path = typer.Argument(..., help="the job file (YAML)"),
        force: bool = typer.Option(False, "--force", help="recompute every partition, changed or not"),
        wait: float = typer.Option(0.0, "--wait", help="seconds to wait for another run's lock (default: exit)")):
    """Validate the sources, compute the measures and write the output."""
    from .engine.runner import run_job
    from .job import load_job

    def go():
        job = load_job(job_file)
        result = run_job(job, force=force, wait_seconds=wait)
        if result.unchanged:
            typer.echo(f"unchanged (not recomputed): {len(result.unchanged)} partitions")
        if not result.published:
            typer.echo("nothing changed since the published run (use --force to recompute)")
        else:
            typer.echo(f"wrote {result.rows} rows to {result.output / 'indicators'}")
        typer.echo(f"manifest: {result.manifest}")
        for mid, why in result.skipped.items():
            typer.echo(f"skipped {mid}: {why}")
    _guard(go)


@app.command()
def validate(job_file: Path = typer.Argument(..., help="the job file (YAML)")):
    """Run only the data-quality checks of the sources."""
    from .engine.validate import validate_job
    from .job import load_job

    def go():
        job = load_job(job_file)
        summary = validate_job(job)
        typer.echo(summary)
    _guard(go)


@app.command()
def measures():
    """List the measures: id, name, sources and strata."""
    from rich.console import Console
    from rich.table import Table

    from .spec.measures import load_catalogue, select_measures

    def go():
        table = Table("id", "name", "sources", "strata", "unit", title="indikatorer measures")
        for spec in select_measures("all", load_catalogue()):
            strata = ", ".join(spec.strata + [f"({s})" for s in spec.extra_strata])
            table.add_row(spec.id, spec.name, ", ".join(spec.sources), strata, spec.value_unit)
        Console(width=160).print(table)
    _guard(go)


@app.command()
def synth(out: Path = typer.Option(..., "--out", help="folder to write the data set and job.yaml into"),
          persons: int = typer.Option(20000, help="number of sick-listed persons"),
          seed: int = typer.Option(1, help="random seed (same seed, same files)"),
          year: int = typer.Option(2020, help="first year of the data"),
          years: int = typer.Option(1, help="number of years"),
          fmt: str = typer.Option("parquet", "--format", help="parquet or csv")):
    """Write a realistic synthetic data set in every source layout, and a job file for it."""
    from .synth import write_synthetic

    def go():
        if fmt not in ("parquet", "csv"):
            raise typer.BadParameter("--format must be parquet or csv")
        job = write_synthetic(out, persons=persons, seed=seed, year=year, years=years, fmt=fmt)
        typer.echo(f"wrote synthetic data and {job}")
    _guard(go)


@app.command()
def demo(out: Path = typer.Option(Path("demo-output"), "--out", help="folder for data and results"),
         persons: int = typer.Option(20000, help="number of sick-listed persons")):
    """Synthetic data + run every measure; prints where the results are."""
    from .engine.runner import run_job
    from .job import load_job
    from .synth import write_synthetic

    def go():
        job_path = write_synthetic(out, persons=persons, seed=1, year=2020, years=1)
        job = load_job(job_path)
        result = run_job(job, force=True)
        typer.echo(f"indicator table: {result.output / 'indicators'} ({result.rows} rows)")
        typer.echo(f"manifest:        {result.manifest}")
        for mid, why in result.skipped.items():
            typer.echo(f"skipped {mid}: {why}")
    _guard(go)


_USAGE_ERRORS = {"UsageError", "BadParameter", "MissingParameter", "NoSuchOption", "BadOptionUsage",
                 "BadArgumentUsage", "NoArgsIsHelpError"}


def main() -> None:
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and anything else: one line
        if hasattr(exc, "format_message") and type(exc).__name__ in _USAGE_ERRORS:
            if exc.format_message().strip():
                typer.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(2)
        if type(exc).__name__ == "Abort":
            sys.exit(130)
        try:
            _fail(exc)
        except typer.Exit as e2:
            sys.exit(e2.exit_code)
    sys.exit(0)
