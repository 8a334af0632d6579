"""The slow imports stay off the start of a run: importing the runner loads neither Great
Expectations nor scipy/statsmodels (``engine/runner._warm_imports`` imports them in the
background while the sources are read)."""
from __future__ import annotations

import subprocess
import sys


def test_runner_import_leaves_the_slow_modules_to_the_warm_thread():
    code = ("import sys, indikatorer.engine.runner, indikatorer.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'statsmodels', 'great_expectations'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_lazy_wrappers_give_the_library_results():
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint as direct

    from indikatorer.stats.lazy import proportion_confint, scipy_stats
    assert scipy_stats() is stats
    assert proportion_confint(3, 10, alpha=0.05, method="wilson") == direct(3, 10, alpha=0.05, method="wilson")


def test_the_cli_collects_cyclic_garbage_less_often():
    """``cli.main`` raises the collector's generation-0 threshold (700 -> 10 000: ~0.5 CPU s of
    a national 7.x run); the collector stays enabled."""
    code = ("import gc, os, sys, indikatorer.cli as c; sys.argv = ['indikatorer', '--help']; "
            "os._exit = lambda rc: (print(gc.isenabled(), gc.get_threshold()), sys.stdout.flush(), os.kill(os.getpid(), 9)); "
            "c.main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip().splitlines()
    assert out[-1] == "True (10000, 10, 10)"
