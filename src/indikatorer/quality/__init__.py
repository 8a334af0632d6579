"""Data quality with Great Expectations: the suites of ``expectations/`` run on every source
table and on the indicator table, inside the run's database session (``gxengine``), with
``critical`` failures blocking publication and ``warning`` failures flagging rows (``gate``);
an HTML and a JSON report in ``OUTPUT/quality/`` (``report``).

Nothing here imports Great Expectations at import time; only running checks does."""
from __future__ import annotations

from .gate import QualityGate

__all__ = ["QualityGate"]
