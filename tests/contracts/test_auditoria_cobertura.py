"""The audit completeness walk (tests/e2e/auditoria) cannot silently miss a route: every route of
shared/API.md's tables and of each service README's route tables is either called by a walk
module or listed in its `SIN_REGISTRO` with a reason, and the walk calls no undocumented route.

Read statically: the documents' table rows, and the walk modules' calls of `pedir`,
`cada_perfil` and `como_cada_uno`, whose method and path must be written literally there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[2]
RECORRIDO = ROOT / "tests" / "e2e" / "auditoria"
METODO = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE)(?:\s*[/,]\s*(?:GET|POST|PUT|PATCH|DELETE))*")
LLAMADAS = {"pedir": 1, "cada_perfil": 0, "como_cada_uno": 0}  # index of the method argument


def _api_md() -> Path | None:
    """shared/API.md sits beside the checkout (or in it): looked for upwards."""
    for carpeta in (ROOT, *ROOT.parents):
        if (carpeta / "shared" / "API.md").exists():
            return carpeta / "shared" / "API.md"
    return None


def _normal(metodo: str, ruta: str) -> str:
    return metodo + " " + re.sub(r"\{[^}]*\}", "{}", ruta)


def _expandir(ruta: str) -> list[str]:
    """`/catalogo/{organismos,mesas}` is two routes; `{id}` a placeholder."""
    alternativas = re.search(r"\{([^}]*,[^}]*)\}", ruta)
    if not alternativas:
        return [ruta]
    antes, despues = ruta[: alternativas.start()], ruta[alternativas.end() :]
    return [r for a in alternativas.group(1).split(",") for r in _expandir(antes + a + despues)]


def _rutas_de_celda(celda: str) -> set[str]:
    """The routes a table's first cell names: `GET, PATCH /a/{id}`, `GET /a, POST /a/b`,
    `POST /a/{id}/aprobar, /rechazar`, `GET/POST /a, GET/DELETE .../{id}`."""
    rutas: set[str] = set()
    metodos: list[str] = []
    anterior = ""
    # `GET, PATCH /a` names both methods: joined first, as `GET/PATCH /a` is read.
    celda = re.sub(
        r"\b(GET|POST|PUT|PATCH|DELETE),\s*(?=(?:GET|POST|PUT|PATCH|DELETE)\b)", r"\1/", celda
    )
    for parte in re.split(
        r",\s*(?=(?:GET|POST|PUT|PATCH|DELETE)\b|/|\.\.\.)", celda.replace("`", "")
    ):
        parte = parte.strip()
        if m := METODO.match(parte):
            metodos = re.findall(r"GET|POST|PUT|PATCH|DELETE", m.group(0))
            parte = parte[m.end() :].strip()
        if not metodos or not parte:
            continue
        ruta = parte.split()[0].split("?")[0]
        if ruta.startswith("..."):  # relative to the previous path, up to its last placeholder
            base = re.match(r"^(.*\})", anterior)
            ruta = (base.group(1) if base else anterior) + ruta[3:]
        elif ruta.startswith("/") and not ruta.startswith(("/api/", "/.well-known/")):
            if anterior and not ruta.startswith(("/health", "/metrics", "/internal")):
                ruta = anterior.rsplit("/", 1)[0] + ruta  # `/rechazar`: a sibling of the last one
            else:
                continue
        if not ruta.startswith(("/api/", "/.well-known/")):
            continue
        anterior = ruta
        rutas |= {_normal(mt, r) for mt in metodos for r in _expandir(ruta)}
    return rutas


def rutas_documentadas() -> dict[str, str]:
    """Every route of a route table, and the document that names it."""
    documentos = [ROOT / "services" / s.name / "README.md" for s in workspace.services()]
    if (api := _api_md()) is not None:
        documentos.insert(0, api)
    rutas: dict[str, str] = {}
    for documento in documentos:
        if not documento.exists():
            continue
        for renglon in documento.read_text().splitlines():
            if not renglon.startswith("|"):
                continue
            celda = renglon.split("|")[1].strip()
            if METODO.match(celda.replace("`", "")):
                for ruta in _rutas_de_celda(celda):
                    rutas.setdefault(ruta, f"{documento.parent.name}/{documento.name}")
    return rutas


def _literal(nodo: ast.expr) -> str | None:
    if isinstance(nodo, ast.Constant) and isinstance(nodo.value, str):
        return nodo.value
    if isinstance(nodo, ast.JoinedStr):
        partes = [v.value if isinstance(v, ast.Constant) else "{}" for v in nodo.values]
        return "".join(str(p) for p in partes)
    return None


def rutas_recorridas() -> tuple[set[str], list[str]]:
    """The routes the walk modules call, and the calls whose route is not written literally."""
    rutas: set[str] = set()
    opacas: list[str] = []
    for modulo in sorted(RECORRIDO.glob("*.py")):
        for nodo in ast.walk(ast.parse(modulo.read_text())):
            if not (isinstance(nodo, ast.Call) and isinstance(nodo.func, ast.Attribute)):
                continue
            indice = LLAMADAS.get(nodo.func.attr)
            if indice is None or len(nodo.args) < indice + 2:
                continue
            metodo, ruta = _literal(nodo.args[indice]), _literal(nodo.args[indice + 1])
            if metodo is None or ruta is None:
                if modulo.name == "recorrido_auditado.py":  # the walk's machinery passes them on
                    continue
                opacas.append(f"{modulo.name}:{nodo.lineno}")
                continue
            ruta = re.sub(r"/\d+(?=/|$)", "/{}", ruta.split("?")[0])  # `/versiones/1`
            rutas.add(_normal(metodo, ruta))
    return rutas, opacas


def sin_registro() -> dict[str, str]:
    arbol = ast.parse((RECORRIDO / "recorrido_auditado.py").read_text())
    for nodo in arbol.body:
        if isinstance(nodo, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SIN_REGISTRO" for t in nodo.targets
        ):
            return dict(ast.literal_eval(nodo.value))
    raise AssertionError("recorrido_auditado.py has no SIN_REGISTRO")


def test_las_tablas_de_rutas_se_leen() -> None:
    rutas = rutas_documentadas()
    for esperada in (
        "POST /api/v1/auth/login",
        "GET /api/v1/catalogo/tipos",
        "POST /api/v1/solicitudes-baja/{}/rechazar",
        "DELETE /api/v1/integraciones/suscriptores/{}",
        "GET /api/v1/archivos/{}/versiones/{}/contenido",
        "GET /api/v1/remitos/{}.pdf",
        "PUT /api/v1/mesa/avisos",
    ):
        assert esperada in rutas, sorted(rutas)
    assert not any("/health" in r or "/internal/" in r for r in rutas)


def test_cada_ruta_documentada_se_recorre_o_dice_por_que_no_deja_registro() -> None:
    documentadas = rutas_documentadas()
    recorridas, opacas = rutas_recorridas()
    excepciones = sin_registro()
    assert not opacas, f"write the method and route of these calls literally: {opacas}"
    assert all(motivo.strip() for motivo in excepciones.values())
    faltan = sorted(f"{r} ({d})" for r, d in documentadas.items() if r not in recorridas)
    assert not faltan, "routes the audit walk does not call:\n" + "\n".join(faltan)
    sin_motivo = sorted(set(excepciones) - set(documentadas))
    assert not sin_motivo, f"SIN_REGISTRO names routes no document has: {sin_motivo}"


def test_el_recorrido_no_llama_rutas_no_documentadas() -> None:
    recorridas, _ = rutas_recorridas()
    ajenas = sorted(recorridas - set(rutas_documentadas()))
    assert not ajenas, f"document these routes (or fix the walk's path): {ajenas}"
