"""deploy/k8s against the code: generated from it, and what it runs is what the code accepts."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import yaml

from sigexp_testing.modulos import cargar

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
SECRETS_EXAMPLE = BASE / "sigexp-secrets.example.env"


def _generator() -> ModuleType:
    return cargar(K8S / "generate.py", "k8s_generate")


def _by_kind(resources, kind):
    return {obj["metadata"]["name"]: obj for obj in resources if obj["kind"] == kind}


def _subcommand(container):
    return container.spec["command"][3]


def test_los_manifiestos_son_los_que_genera_el_codigo():
    generated = _generator().rendered()
    hand_written = {"base/namespace.yaml", "base/config.yaml"}
    on_disk = {
        str(p.relative_to(K8S))
        for folder in ("base", "sin-keda")
        for p in (K8S / folder).glob("*.yaml")
    } - hand_written
    assert on_disk == set(generated), f"not generated: {sorted(on_disk - set(generated))}"
    stale = [
        name for name, text in generated.items() if (K8S / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `make k8s` and commit deploy/k8s: out of date {stale}"


def test_kustomization_deja_las_imagenes_sin_registro(kustomization, services):
    assert kustomization["namespace"] == "sigexp"
    images = {image["name"]: image for image in kustomization["images"]}
    assert set(images) == {f"sigexp-{name}" for name in services}
    assert not any("newName" in image for image in images.values()), "overlays name registries"


def test_kubernetes_corre_exactamente_los_procesos_de_cada_servicio(k8s_containers, services):
    # serve always; relay with a database; consume with a handler table; worker once accepted;
    # a migration Job and a `migrate` init container in every pod of a service with a database.
    running = {}
    for container in k8s_containers:
        if container.kind == "Deployment" and not container.init:
            running.setdefault(container.service, []).append(_subcommand(container))
    for name, code in services.items():
        expected = list(code.workspace.processes)
        assert sorted(running.get(name, [])) == sorted(expected), (
            f"{name}: Kubernetes runs {running.get(name)}, its code asks for {expected}"
        )
        jobs = [c.owner for c in k8s_containers if c.kind == "Job" and c.service == name]
        assert jobs == ([f"Job/{name}-migrate"] if code.has_database else []), name
    for container in k8s_containers:
        if container.kind == "Deployment" and not container.init:
            inits = [c for c in k8s_containers if c.init and c.owner == container.owner]
            wanted = ["migrate"] if services[container.service].has_database else []
            assert [_subcommand(c) for c in inits] == wanted, container.where


def test_cada_contenedor_corre_la_imagen_y_un_comando_de_su_servicio(k8s_containers, services):
    problems = []
    for container in k8s_containers:
        code = services.get(container.service)
        if code is None:
            problems.append(f"{container.where}: no services/{container.service}")
            continue
        command = [str(part) for part in container.spec["command"]]
        if command[:3] != ["python", "-m", container.service]:
            problems.append(f"{container.where}: runs {command}")
        elif command[3] not in code.commands:
            problems.append(
                f"{container.where}: `{' '.join(command)}` — accepted: {sorted(code.commands)}"
            )
    assert not problems, "\n".join(problems)


def test_las_variables_de_k8s_son_campos_de_settings_del_servicio(k8s_containers, services):
    problems = [
        f"{container.where}: {name} is not read by services/{container.service} Settings"
        for container in k8s_containers
        for name in container.env
        if name.upper() not in services[container.service].env_names
    ]
    assert not problems, "\n".join(problems)


def test_config_y_secretos_referenciados_existen(k8s_containers, k8s_resources):
    config = _by_kind(k8s_resources, "ConfigMap")["sigexp-config"]["data"]
    documented = {
        line.split("=", 1)[0]
        for line in SECRETS_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    for container in k8s_containers:
        for item in container.spec.get("env", []):
            source = item.get("valueFrom", {})
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                assert ref["name"] == "sigexp-config", container.where
                assert ref["key"] in config, f"{container.where}: no config key {ref['key']}"
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                assert ref["name"] == "sigexp-secrets", container.where
                assert ref["key"] in documented, f"{container.where}: {ref['key']} undocumented"
            else:
                assert "value" in item, f"{container.where}: {item['name']} has no value"
    assert config["env"] == "production"


def test_cada_secreto_que_produccion_exige_llega_desde_el_secret(k8s_containers, services):
    # In production a service refuses to start on a secret's development default: every
    # container must get each of its secrets, by reference, from the Secret.
    problems = []
    for container in k8s_containers:
        given = {
            item["name"]
            for item in container.spec.get("env", [])
            if "secretKeyRef" in item.get("valueFrom", {})
        }
        missing = services[container.service].secret_env - given
        problems += [f"{container.where}: {name} not from the Secret" for name in sorted(missing)]
    assert not problems, "\n".join(problems)


def test_cada_api_http_tiene_service_y_sondas_de_salud(k8s_containers, k8s_resources, services):
    k8s_services = _by_kind(k8s_resources, "Service")
    apis = [c for c in k8s_containers if not c.init and _subcommand(c) == "serve"]
    assert {c.service for c in apis} == set(services)
    for container in apis:
        port = services[container.service].default_port
        assert container.spec["command"][-2:] == ["--port", str(port)], container.where
        ops = services[container.service].ops_port
        ports = [{"name": "http", "containerPort": port}]
        ports += [{"name": "ops", "containerPort": ops}] if ops else []
        assert container.spec["ports"] == ports, container.where
        for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
            assert container.spec[probe]["httpGet"] == {
                "path": path,
                "port": "ops" if ops else "http",
            }
        service = k8s_services[container.service]
        assert service["spec"]["ports"][0]["port"] == port
        assert service["spec"]["selector"].items() <= container.pod_labels.items()
        env = {item["name"]: item.get("value") for item in container.spec["env"]}
        if services[container.service].has_database:
            prefix = container.service.upper()
            assert env[f"{prefix}_RUN_RELAY"] == "false", container.where
            assert env[f"{prefix}_RUN_CONSUMERS"] == "false", container.where
        if container.service == "gateway":
            for name, code in services.items():
                if name != "gateway":
                    url = f"http://{name}:{code.default_port}"
                    assert env.get(f"GATEWAY_{name.upper()}_URL") == url, name


def test_todo_pod_corre_sin_root_con_limites_de_recursos(k8s_containers):
    for container in k8s_containers:
        pod_security = container.pod["securityContext"]
        assert pod_security["runAsNonRoot"] is True, container.where
        assert pod_security["runAsUser"] != 0, container.where
        security = container.spec["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, container.where
        assert security["readOnlyRootFilesystem"] is True, container.where
        assert security["capabilities"]["drop"] == ["ALL"], container.where
        resources = container.spec["resources"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources[kind]), f"{container.where}: {kind}"


def test_cada_deployment_tiene_un_pod_disruption_budget(k8s_resources):
    budgets = _by_kind(k8s_resources, "PodDisruptionBudget")
    for name, deployment in _by_kind(k8s_resources, "Deployment").items():
        assert name in budgets, f"no PodDisruptionBudget for {name}"
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector == deployment["spec"]["selector"]["matchLabels"], name


def test_el_ingress_lleva_al_gateway(k8s_resources):
    ingresses = list(_by_kind(k8s_resources, "Ingress").values())
    assert len(ingresses) == 1
    backends = [
        path["backend"]["service"]["name"]
        for rule in ingresses[0]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends == ["gateway"]


def test_los_workers_escalan_con_keda_por_la_cola_que_declara_el_servicio(services):
    # Written for every service that declares a worker queue, applied (listed in the
    # kustomization, checked above) only once the service accepts `worker`.
    declared = {name: code for name, code in services.items() if code.workspace.worker_queue}
    assert "archivos" in declared
    generator = _generator()
    for name, code in declared.items():
        docs = [d for d in yaml.safe_load_all(generator.worker_manifest(code.workspace)) if d]
        deployment = _by_kind(docs, "Deployment")[f"{name}-worker"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", name, "worker"]
        assert "replicas" not in deployment["spec"], "KEDA owns the replica count"
        scaled = _by_kind(docs, "ScaledObject")[f"{name}-worker"]
        assert scaled["spec"]["scaleTargetRef"]["name"] == f"{name}-worker"
        trigger = scaled["spec"]["triggers"][0]
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["queueName"] == code.workspace.worker_queue
        assert trigger["metadata"]["mode"] == "QueueLength"
        auth = _by_kind(docs, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
        assert auth["spec"]["secretTargetRef"][0]["key"] == f"{name}-amqp-url"
