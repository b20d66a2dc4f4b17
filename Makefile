# SIGEXP: `make up` runs everything on this machine; `make test` runs the whole suite.
export UV_PYTHON_DOWNLOADS := never
UV := .tools/bin/uv
RUN := $(UV) run --frozen

.PHONY: up test lint fmt bootstrap bench asyncapi k8s

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

# deploy/k8s from the services' code (sigexp_common.testing.workspace); tests/contracts checks it.
k8s: bootstrap
	@$(RUN) python deploy/k8s/generate.py

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy services/*/src scripts deploy/k8s

fmt: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
