"""One error hierarchy; every error carries the exit code of job.md and prints as one line.

Messages never contain a person id or a personnummer: callers pass names of files, tables,
columns and row numbers, never values from person-identifying columns.
"""
from __future__ import annotations


class IndikatorError(Exception):
    """Base class. ``exit_code`` follows job.md: 1 quality, 2 job/command line, 3 source."""

    exit_code = 4

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class JobError(IndikatorError):
    """Bad job file, command line or measure selection (exit 2)."""

    exit_code = 2


class SpecError(JobError):
    """A measure or source-layout spec is invalid (exit 2)."""


class CapabilityError(JobError):
    """A measure asked to run on sources that cannot support it (exit 2)."""


class SourceError(IndikatorError):
    """A source could not be read: missing file/column, unparseable value (exit 3)."""

    exit_code = 3


class QualityError(IndikatorError):
    """A critical data-quality check failed; publication is blocked (exit 1)."""

    exit_code = 1


class LockError(IndikatorError):
    """Another run holds the output lock (exit 5, added to job.md's codes: try again later)."""

    exit_code = 5


def where(file: str | None = None, table: str | None = None, column: str | None = None,
          row: int | None = None) -> str:
    """Format the location part of a message: ``file x.csv, table `t`, column `c`, row 5``."""
    parts = []
    if file:
        parts.append(f"file {file}")
    if table:
        parts.append(f"table `{table}`")
    if column:
        parts.append(f"column `{column}`")
    if row is not None:
        parts.append(f"row {row}")
    return ", ".join(parts)
