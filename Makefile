# `make demo` and `make test` work on a fresh machine: each creates .venv and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
DEMO_LEDGER := sample_data/henan-demo-ledger.xlsx
AS_OF ?= 2021-12-31

.PHONY: install demo test clean serve

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	mkdir -p out
	$(BIN)/screening run $(DEMO_LEDGER) --as-of $(AS_OF) --format json --output out/demo-verdicts.json --quiet
	$(BIN)/screening run $(DEMO_LEDGER) --as-of $(AS_OF) --format xlsx --output out/demo-screened.xlsx --quiet
	$(BIN)/screening run $(DEMO_LEDGER) --as-of $(AS_OF) --format text
	@echo "Outputs: out/demo-screened.xlsx (annotated workbook), out/demo-verdicts.json"

# The web workspace on SQLite (var/screening.db); prints a demo account on first start.
serve: install
	$(BIN)/screening serve --host 127.0.0.1 --port $(or $(PORT),8000)

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out build *.egg-info

# The performance benchmark (bench/README.md): generates bench/data/ledger-{200,10000,100000}.xlsx
# on first use, prints a table of every stage and PASS/FAIL per target; exit status 1 on a FAIL.
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
