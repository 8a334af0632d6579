# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv demo test bench bench-quality clean chromium postgres

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/indikatorer demo

test: $(STAMP) chromium postgres
	$(PY) -m pytest tests -n 2 -m "not slow"

# The report's browser test renders it in headless Chromium: install Debian's package when it
# is missing and we may (root, apt-get); otherwise those tests are skipped with the reason.
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium for the browser tests"; \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"; \
	fi

bench: $(STAMP)
	$(PY) bench/run_bench.py

# Cost of the data-quality suites on a national-size synthetic data set (bench/QUALITY.md).
QDATA ?= bench/data/quality-p1000000
bench-quality: $(STAMP)
	@[ -f $(QDATA)/job.yaml ] || $(PY) -c "from indikatorer.synth import write_synthetic; write_synthetic('$(QDATA)', persons=1_000_000)"
	$(PY) bench/quality_bench.py $(QDATA)/job.yaml

clean:
	rm -rf $(VENV) demo-output .pytest_cache

# The PostgreSQL backend tests start their own server (initdb + pg_ctl on a temporary
# directory, unix socket only): install Debian's server when it is missing and we may.
postgres:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing postgresql for the backend tests"; \
	    apt-get install -y -q postgresql >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; } || \
	    echo "postgresql could not be installed: the backend tests will fail"; \
	  else echo "PostgreSQL (initdb, pg_ctl) is missing: install it for the backend tests"; fi; \
	fi
