"""Reading catalogue files: formats, columns, values, duplicates, rows named in errors."""

from __future__ import annotations

import pytest

from auth.service import importacion, lectura_segura
from sigexp_common.errors import DatoInvalido


def _errores(contenido: str, formato: importacion.Formato = "csv") -> list[tuple[str, str]]:
    with pytest.raises(DatoInvalido) as info:
        importacion.leer(contenido.encode(), formato)
    return [(e.campo, e.mensaje) for e in info.value.errores]


def test_csv_valido_con_punto_y_coma_y_booleanos_en_castellano():
    catalogo = importacion.leer(
        "entidad;codigo;nombre;organismo_codigo;es_oficina;activo\n"
        "organismo;100111;CAP;;;\n"
        "mesa;CAP-OF;Oficina;100111;sí;no\n"
        "tipo;general;General;;;\n".encode(),
        "csv",
    )
    mesa = catalogo.de("mesa")[0]
    assert (mesa.es_oficina, mesa.activo, mesa.fila) == (True, False, 3)
    assert catalogo.de("tipo")[0].codigo == "GENERAL"


def test_csv_sin_columna_obligatoria():
    assert ("fila 1: nombre", "Falta esta columna obligatoria.") in _errores("entidad,codigo\n")


def test_csv_valores_invalidos_nombran_fila_y_campo():
    errores = _errores(
        "entidad,codigo,nombre,organismo_codigo,es_oficina\n"
        "organismo,ABC,Letras en el código,,\n"
        "mesa,M1,Mesa,,quizas\n"
        "planeta,X,Marte,,\n"
    )
    campos = [c for c, _ in errores]
    assert campos == [
        "fila 2: codigo",
        "fila 3: organismo_codigo",
        "fila 3: es_oficina",
        "fila 4: entidad",
    ]


def test_yaml_campo_y_seccion_desconocidos():
    errores = _errores(
        "organismos:\n  - codigo: '1'\n    nombre: A\n    color: rojo\nplanetas: []\n", "yaml"
    )
    assert ("fila 2: color", "Campo desconocido para organismos.") in errores
    assert any(c == "fila 1: planetas" for c, _ in errores)


def test_yaml_numero_sin_comillas_se_toma_como_codigo():
    catalogo = importacion.leer(b"organismos:\n  - codigo: 100111\n    nombre: CAP\n", "yaml")
    assert catalogo.de("organismo")[0].codigo == "100111"


def test_archivo_vacio_o_sin_filas():
    assert _errores("")[0][0] == "archivo"
    assert _errores("entidad,codigo,nombre\n")[0][0] == "archivo"


def test_referencias_a_organismos_de_la_base_o_del_archivo():
    catalogo = importacion.leer(
        b"entidad,codigo,nombre,organismo_codigo\n"
        b"mesa,M1,Mesa,100111\n"
        b"mesa,M2,Mesa,200\n"
        b"organismo,200,Nuevo,\n",
        "csv",
    )
    importacion.errores_de_referencias(catalogo, {"100111"})
    with pytest.raises(DatoInvalido) as info:
        importacion.errores_de_referencias(catalogo, set())
    assert [e.campo for e in info.value.errores] == ["fila 2: organismo_codigo"]


def test_catalogo_de_demo_es_valido():
    from auth.demo import catalogo_demo

    catalogo = importacion.leer(catalogo_demo(), "yaml")
    assert {f.codigo for f in catalogo.de("tipo")} >= {"GENERAL", "ASIGNACIONES", "LICITACION"}
    assert any(f.es_oficina for f in catalogo.de("mesa"))


def test_yaml_con_alias_se_rechaza_entero_nombrando_la_fila():
    errores = _errores("base: &b Hola\ntipos:\n- codigo: X\n  nombre: *b\n", "yaml")
    assert errores == [
        (
            "archivo",
            "El YAML usa anclas o alias (& y *), que no se admiten: escriba cada valor (fila 1).",
        )
    ]


def test_yaml_con_mas_valores_que_el_maximo_se_rechaza(monkeypatch):
    monkeypatch.setattr(lectura_segura, "MAX_NODOS", 50)
    filas = "".join(f"- codigo: T{i}\n  nombre: Tipo {i}\n" for i in range(30))
    [(campo, mensaje)] = _errores("tipos:\n" + filas, "yaml")
    assert campo == "archivo"
    assert mensaje.startswith("El YAML tiene más de 50 valores")


def test_un_archivo_que_pasa_el_plazo_se_rechaza_sin_leerlo_entero():
    filas = "".join(f"tipo,T{i},Tipo {i}\n" for i in range(5000))
    with pytest.raises(DatoInvalido) as info:
        importacion.leer(f"entidad,codigo,nombre\n{filas}".encode(), "csv", limite_segundos=0)
    assert info.value.errores[0].campo == "archivo"
    assert "tarda demasiado" in info.value.errores[0].mensaje
