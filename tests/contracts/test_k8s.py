"""deploy/k8s against the code: images, commands, variables, probes, security, scaling."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SECRETS_EXAMPLE = K8S / "sigexp-secrets.example.env"
WORKER_MANIFEST = "archivos-worker.yaml"
DIGITISATION_QUEUE = "archivos.digitalizacion"


def _by_kind(resources, kind):
    return {obj["metadata"]["name"]: obj for obj in resources if obj["kind"] == kind}


def _subcommand(container):
    return container.spec["command"][3]


def test_kustomization_lista_archivos_existentes_y_deja_las_imagenes_sin_registro(
    kustomization,
):
    listed = set(kustomization["resources"])
    for entry in listed:
        assert (K8S / entry).is_file(), entry
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed <= {WORKER_MANIFEST}, f"manifests not applied: {on_disk - listed}"
    assert kustomization["namespace"] == "sigexp"
    for image in kustomization["images"]:
        assert image["name"].startswith("sigexp-")
        assert "newName" not in image, "the base names no registry: overlays do"


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


def test_cada_api_http_tiene_service_y_sondas_de_salud(k8s_containers, k8s_resources, services):
    k8s_services = _by_kind(k8s_resources, "Service")
    apis = [c for c in k8s_containers if not c.init and _subcommand(c) == "serve"]
    assert {c.service for c in apis} == set(services)
    for container in apis:
        port = services[container.service].default_port
        assert container.spec["command"][-2:] == ["--port", str(port)], container.where
        assert container.spec["ports"] == [{"name": "http", "containerPort": port}]
        assert container.spec["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container.spec["livenessProbe"]["httpGet"]["path"] == "/health/live"
        service = k8s_services[container.service]
        assert service["spec"]["ports"][0]["port"] == port
        assert service["spec"]["selector"].items() <= container.pod_labels.items()
        env = {item["name"]: item.get("value") for item in container.spec["env"]}
        if services[container.service].has_database:
            prefix = container.service.upper()
            assert env[f"{prefix}_RUN_RELAY"] == "false", container.where
            assert env[f"{prefix}_RUN_CONSUMERS"] == "false", container.where


def test_relays_consumidores_y_migraciones_por_servicio(k8s_containers, services):
    roles = {(c.service, c.kind, _subcommand(c)) for c in k8s_containers if not c.init}
    for name, code in services.items():
        if not code.has_database:
            continue
        assert (name, "Deployment", "relay") in roles, f"no relay Deployment for {name}"
        assert (name, "Job", "migrate") in roles, f"no migration Job for {name}"
    for name in ("expedientes", "pases", "archivos", "auditoria"):
        assert (name, "Deployment", "consume") in roles, f"no consumer Deployment for {name}"
    for container in k8s_containers:
        if container.kind == "Deployment" and services[container.service].has_database:
            inits = [c for c in k8s_containers if c.init and c.owner == container.owner]
            assert [_subcommand(c) for c in inits] == ["migrate"], container.where


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


def test_el_worker_de_digitalizacion_escala_con_keda_por_la_cola(kustomization, services):
    docs = [d for d in yaml.safe_load_all((K8S / WORKER_MANIFEST).read_text()) if d]
    deployment = _by_kind(docs, "Deployment")["archivos-worker"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "archivos", "worker"]
    assert "replicas" not in deployment["spec"], "KEDA owns the replica count"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for each in pod["initContainers"] + pod["containers"]:
        assert each["image"].split(":")[0] == "sigexp-archivos"
        assert each["securityContext"]["allowPrivilegeEscalation"] is False
        unknown = {e["name"] for e in each["env"]} - services["archivos"].env_names
        assert not unknown, f"archivos-worker: {unknown} not read by archivos Settings"
    scaled = _by_kind(docs, "ScaledObject")["archivos-worker"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "archivos-worker"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["queueName"] == DIGITISATION_QUEUE
    assert trigger["metadata"]["mode"] == "QueueLength"
    auth = _by_kind(docs, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    assert auth["spec"]["secretTargetRef"][0]["parameter"] == "host"
    # Applied only while archivos accepts `worker`: a worker that cannot start would crash-loop.
    # Once archivos has the command, this fails until the manifest is listed in kustomization.
    applied = WORKER_MANIFEST in kustomization["resources"]
    accepted = sorted(services["archivos"].commands)
    assert applied == ("worker" in accepted), (
        f"{WORKER_MANIFEST} applied={applied}, but archivos accepts {accepted}"
    )
