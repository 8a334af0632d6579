"""Command line of job.md: run, validate, measures, synth, demo; report and export (issue #8).

Every failure prints one line (what and where) and exits with the code of job.md:
0 success, 1 data-quality failure, 2 bad job file or command line, 3 source not readable
(4: an internal error — a bug; the line says so)."""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import IndikatorError, JobError

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
        wait: float = typer.Option(0.0, "--wait", help="seconds to wait for another run's lock (default: exit)"),
        no_report: bool = typer.Option(False, "--no-report", help="do not write the HTML report")):
    """Validate the sources, compute the measures and write the output."""
    from .engine.runner import run_job
    from .job import load_job

    def go():
        job = load_job(job_file)
        result = run_job(job, force=force, wait_seconds=wait, report=not no_report)
        if result.unchanged:
            typer.echo(f"unchanged (not recomputed): {len(result.unchanged)} partitions")
        if not result.published:
            typer.echo("nothing changed since the published run (use --force to recompute)")
        else:
            typer.echo(f"wrote {result.rows} rows to {result.output / 'indicators'}")
        typer.echo(f"manifest: {result.manifest}")
        if result.report:
            typer.echo(f"report: {result.report}")
        for mid, why in result.skipped.items():
            typer.echo(f"skipped {mid}: {why}")
    _guard(go)


@app.command()
def validate(job_file: Path = typer.Argument(..., help="the job file (YAML)")):
    """Run only the data-quality checks of the sources."""
    from .engine.validate import validate_job
    from .job import load_job

    def go():
        from .errors import QualityError
        job = load_job(job_file)
        try:
            summary = validate_job(job)
        except QualityError as exc:          # the per-suite lines, then the one-line error
            typer.echo(getattr(exc, "details", ""))
            raise
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
            raise JobError("--format must be parquet or csv")
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
        if result.report:
            typer.echo(f"report:          {result.report}")
        for mid, why in result.skipped.items():
            typer.echo(f"skipped {mid}: {why}")
    _guard(go)


@app.command()
def report(output: Path = typer.Argument(..., help="the output folder of a job (with indicators/ and manifest.json)"),
           out: Optional[Path] = typer.Option(None, "--out", help="HTML file to write (default OUTPUT/report/index.html)")):
    """Write the HTML report (charts, definitions, data quality) of an output folder."""
    from .report import write_report

    def go():
        typer.echo(f"report: {write_report(output, out)}")
    _guard(go)


@app.command("export")
def export_cmd(output: Path = typer.Argument(..., help="the output folder of a job"),
               fmt: str = typer.Option(..., "--format", help="xlsx, csv or kolada"),
               out: Optional[Path] = typer.Option(None, "--out", help="file to write (default OUTPUT/export/...)"),
               decimal_comma: bool = typer.Option(False, "--decimal-comma", help="csv: decimal comma (1,5)")):
    """Export the indicator table: Excel workbook, semicolon CSV or Kolada-style JSON."""
    from .export import export_output

    def go():
        typer.echo(f"wrote {export_output(output, fmt, out, decimal_comma=decimal_comma)}")
    _guard(go)


_USAGE_ERRORS = {"UsageError", "BadParameter", "MissingParameter", "NoSuchOption", "BadOptionUsage",
                 "BadArgumentUsage", "NoArgsIsHelpError"}


@app.command()
def history(output: Path = typer.Argument(..., help="the output folder of a job")):
    """List the published runs of an output folder, newest first, from their manifests."""
    from .output.history import list_runs

    def go():
        from rich.console import Console
        from rich.table import Table
        runs = list_runs(output)
        if not runs:
            typer.echo(f"no published runs in {output}")
            return
        table = Table("run_id", "finished", "job", "data_as_of", "recomputed", "unchanged", "seconds", "current")
        for r in runs:
            table.add_row(r["run_id"], r["finished_at"], r["job"], r["data_as_of"], str(r["recomputed"]),
                          str(r["unchanged"]), str(r["seconds"]), "*" if r["current"] else "")
        Console(width=200).print(table)
    _guard(go)


def _main() -> int:
    try:
        rc = app(standalone_mode=False)
        return rc if isinstance(rc, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # usage errors and anything else: one line
        if hasattr(exc, "format_message") and type(exc).__name__ in _USAGE_ERRORS:
            if exc.format_message().strip():
                typer.echo(f"error: {exc.format_message()}", err=True)
            return 2
        if type(exc).__name__ == "Abort":
            return 130
        try:
            _fail(exc)
        except typer.Exit as e2:
            return e2.exit_code
    return 0


def _tune_gc() -> None:
    """Collect cyclic garbage less often: a run imports Great Expectations, pandas and
    SQLAlchemy and builds many short-lived objects; with the default generation-0 threshold
    (700 allocations) the collector runs ~700 times per run and costs about 0.9 CPU s of a
    7.x run, with 10 000 about 0.4 s. Nothing else changes: garbage is still collected."""
    gc.set_threshold(10_000, 10, 10)


def main() -> None:
    _tune_gc()
    rc = _main()
    # Leave without interpreter teardown: the chart renderer's native extension prints
    # reference-leak warnings at shutdown, which would break the JSON-lines log on stderr.
    # Everything the command writes is closed (and fsynced) by now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
