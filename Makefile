# SIGEXP: `make up` runs everything on this machine; `make test` runs the whole suite.
export UV_PYTHON_DOWNLOADS := never
UV := .tools/bin/uv
# The venv is built by `make bootstrap` from requirements-dev.lock (hashes verified).
RUN := .venv/bin/python -m

.PHONY: up test faults lint fmt bootstrap backup restore bench soak bench-logins bench-busqueda bench-pases bench-archivos bench-ocr bench-auditoria asyncapi k8s lock

bootstrap:
	@bash scripts/bootstrap.sh

up: bootstrap
	@.venv/bin/python scripts/dev.py

test: bootstrap
	@$(RUN) pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Fault injection in full (issue 18): 1,000 pases and receptions per fault run, over a private
# PostgreSQL and RabbitMQ (`make test` runs the same tests with 60); recovery times are printed
# and written to FALLAS_INFORME (default .data/fallas.json). tests/faults/README.md.
faults: bootstrap
	@mkdir -p .data
	@SIGEXP_FALLAS_PASES=$${SIGEXP_FALLAS_PASES:-1000} \
		SIGEXP_FALLAS_INFORME=$(or $(FALLAS_INFORME),.data/fallas.json) \
		$(RUN) pytest -q -p no:cacheprovider tests/faults $(PYTEST_ARGS)

# Every service's database (pg_dump) and the bucket into a new folder (DESTINO=dir, default
# .data/respaldos/<time>); restore one with DESDE=dir (REEMPLAZAR=1 drops what is there).
# Where: the SIGEXP_* variables of make up (docs/operaciones.md).
backup: bootstrap
	@.venv/bin/python scripts/respaldo.py crear $(if $(DESTINO),--destino $(DESTINO))

restore: bootstrap
	@test -n "$(DESDE)" || { echo "make restore DESDE=<carpeta del respaldo>"; exit 2; }
	@.venv/bin/python scripts/respaldo.py restaurar $(DESDE) $(if $(REEMPLAZAR),--reemplazar)

# The whole report (issue 18; tests/bench/README.md): the read path against ceilings, the mixed
# workload at 1-64 connections, seeding at scale, every per-issue bench; BENCH_ARGS e.g.
# --breve, --sin-siembra, --solo mezcla,pases, --url gateway=http://127.0.0.1:8000 ...
bench: bootstrap
	@.venv/bin/python tests/bench/bench.py $(BENCH_ARGS)

# The mixed workload at a steady rate (issue 18): RSS at start and end, outbox lag, p99 per
# minute; SOAK_ARGS e.g. --minutos 3 --por-segundo 5.
soak: bootstrap
	@.venv/bin/python tests/bench/soak.py $(SOAK_ARGS)

bench-logins: bootstrap
	@.venv/bin/python tests/bench/logins.py

# Search at a million expedientes (issue 10): loads them once into sigexp_bench_busqueda (kept
# between runs; BUSQUEDA_ARGS=--generar loads again), HTTP next to the same SQL; about 5 min.
bench-busqueda: bootstrap
	@.venv/bin/python tests/bench/busqueda.py $(BUSQUEDA_ARGS)

bench-pases: bootstrap
	@.venv/bin/python tests/bench/propagacion_pases.py $(BENCH_ARGS)

# Uploads (issue 12): 20 MB files through archivos and the gateway vs a direct put, and the
# service's RSS while a 500 MB file goes up; BENCH_ARGS e.g. --archivos 3 --grande-mb 200.
bench-archivos: bootstrap
	@.venv/bin/python tests/bench/subidas.py $(BENCH_ARGS)

# Files through the gateway (issue 14): a 300 MB download through it vs straight from
# archivos, 20 MB uploads through it vs a direct S3 put, the gateway's peak RSS meanwhile.
bench-gateway: bootstrap
	@.venv/bin/python tests/bench/transferencias.py $(BENCH_ARGS)

# OCR (issue 12): pages per second of 1 and of 2 digitisation workers on 40 generated scans.
bench-ocr: bootstrap
	@.venv/bin/python tests/bench/ocr.py $(BENCH_ARGS)

# The audit chain (issue 13): chained ingestion next to plain INSERTs of the same rows, one
# consumer's rate from the broker, and the verification of a million records; a few minutes.
# BENCH_ARGS e.g. --registros 50000 --verificar 200000.
bench-auditoria: bootstrap
	@.venv/bin/python tests/bench/auditoria.py $(BENCH_ARGS)

asyncapi: bootstrap
	@.venv/bin/python scripts/asyncapi.py

# deploy/k8s from the services' code (sigexp_testing.workspace); tests/contracts checks it.
k8s: bootstrap
	@.venv/bin/python deploy/k8s/generate.py

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy services/*/src scripts deploy/k8s

fmt: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# After adding or changing a dependency in a pyproject.toml: resolve (uv.lock, local and ignored;
# versions it already holds are kept) and write the committed, address-free locks.
# `make lock UPGRADE=--upgrade` (or UPGRADE="--upgrade-package NAME") moves versions forward.
lock:
	@bash scripts/lock.sh $(UPGRADE)
