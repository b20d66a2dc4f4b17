# SIGEXP: `make up` runs everything on this machine; `make test` runs the whole suite.
export UV_PYTHON_DOWNLOADS := never
UV := .tools/bin/uv
RUN := $(UV) run --frozen

.PHONY: up test lint fmt bootstrap bench asyncapi

bootstrap:
	@bash scripts/bootstrap.sh

up: bootstrap
	@$(RUN) python scripts/dev.py

test: bootstrap
	@$(RUN) pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: bootstrap
	@$(RUN) python tests/bench/logins.py

asyncapi: bootstrap
	@$(RUN) python scripts/asyncapi.py

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy services/*/src scripts

fmt: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
