# The two entry points of the README. `make pipeline` sets up and runs the whole DVC pipeline on the
# bundled synthetic sample; `make test` runs the test suite (what CI runs).
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Python caches the bytecode it compiles (uv installs without it). Where the environment sets
# PYTHONDONTWRITEBYTECODE, every command, stage and test process would compile Prefect, torch and
# MMEngine again: `posefoundry --help` 1.5 s instead of 0.4 s, a build's start-up about 2 s more.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup pipeline test lock

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock scripts/setup-env.sh
	bash scripts/setup-env.sh
	touch $@

# One Prefect server for every build of the pipeline (a temporary server per build costs ~10 s each).
# The metrics shown are the ones this pipeline wrote (chain/dvc.yaml's, until it runs, would print
# "failed to load").
pipeline: setup
	posefoundry server --port 0 -- dvc repro
	dvc metrics show $$(ls data/metrics/*/metrics.json data/metrics/*/*/metrics.json 2>/dev/null)

test: setup
	pytest -q

# Re-pin every transitive dependency after editing pyproject.toml.
lock:
	cd $(CURDIR) && $(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 \
		--no-emit-find-links --no-header -o requirements.lock
	sed -i 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' requirements.lock
