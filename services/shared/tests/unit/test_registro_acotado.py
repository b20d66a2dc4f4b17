"""Every field of the audit record is bounded and normalised where it is emitted."""

from __future__ import annotations

import json
import math

from sigexp_common import audit, context
from sigexp_common.errors import PeticionInvalida


def _registro(**campos: object) -> audit.AccesoRegistrado:
    return audit.AccesoRegistrado.model_validate({"accion": "auth.login_fallido", **campos})


def test_un_nombre_de_usuario_largo_se_corta_con_una_marca_visible() -> None:
    registro = _registro(usuario="u" * 254)
    assert registro.usuario is not None
    assert len(registro.usuario) == audit.MAX_USUARIO
    assert registro.usuario.endswith(audit.MARCA)
    assert _registro(usuario="corto").usuario == "corto"


def test_una_direccion_valida_queda_en_su_forma_canonica() -> None:
    assert _registro(ip="203.0.113.7").ip == "203.0.113.7"
    assert _registro(ip=" 2001:DB8:0:0::1 ").ip == "2001:db8::1"


def test_una_direccion_falsa_o_larga_queda_marcada_y_acotada() -> None:
    larga = _registro(ip="9" * 300).ip
    assert larga is not None
    assert larga.startswith(audit.IP_INVALIDA)
    assert len(larga) == audit.MAX_IP
    assert larga.endswith(audit.MARCA)
    assert _registro(ip="<script>").ip == "invalida:<script>"
    assert _registro(ip=larga).ip == larga, "parsing a bounded record again changes nothing"
    assert _registro(ip="").ip is None


def test_el_detalle_se_acota_en_textos_listas_profundidad_y_tamanio() -> None:
    detalle = {
        "q": "palabra " * 200,
        "ids": list(range(500)),
        "anidado": {"a": {"b": {"c": {"d": {"e": "hondo"}}}}},
        "nulo\x00": "con \x00 nulo",
        "raro": math.nan,
    }
    acotado = _registro(detalle=detalle).detalle
    assert len(acotado["q"]) == audit.MAX_TEXTO_DETALLE
    assert acotado["q"].endswith(audit.MARCA)
    assert len(acotado["ids"]) == audit.MAX_CLAVES_DETALLE + 1
    assert acotado["ids"][-1] == audit.MARCA
    assert acotado["nulo"] == "con  nulo"  # PostgreSQL stores no NUL character
    assert acotado["raro"] == "nan"  # nor a NaN in JSONB
    assert "hondo" in json.dumps(acotado)


def test_el_detalle_entero_nunca_pasa_del_tamanio_maximo() -> None:
    enorme = {f"campo{i}": "x" * 499 for i in range(49)}
    acotado = _registro(detalle=enorme).detalle
    assert len(json.dumps(acotado, ensure_ascii=False).encode()) <= audit.MAX_BYTES_DETALLE
    assert acotado["resumen"].endswith(audit.MARCA)


def test_una_negativa_acota_lo_que_el_cliente_envio() -> None:
    token = context.client_address.set("1" * 300)
    try:
        error = audit.denegar(PeticionInvalida("no"), None, "auth.login_fallido", usuario="x" * 254)
    finally:
        context.client_address.reset(token)
    registro = error.registro
    assert isinstance(registro, audit.AccesoRegistrado)
    assert registro.usuario is not None
    assert len(registro.usuario) == audit.MAX_USUARIO
    assert registro.ip is not None
    assert registro.ip.startswith(audit.IP_INVALIDA)
    assert registro.detalle["motivo"] == "solicitud-invalida"


def test_acotar_un_registro_ya_acotado_no_lo_cambia() -> None:
    """auditoria parses the emitted record with the same bounds: what it stores is what left."""
    registro = _registro(
        usuario="u" * 254,
        ip="x" * 300,
        detalle={"q": "z" * 900, "ids": list(range(60)), **{f"k{i}": i for i in range(70)}},
    )
    emitido = registro.model_dump(mode="json")
    assert emitido["detalle"][audit.MARCA] == 22
    assert audit.AccesoRegistrado.model_validate(emitido).model_dump(mode="json") == emitido


def test_una_direccion_ipv6_con_zona_larga_queda_acotada() -> None:
    ip = _registro(ip="fe80::1%" + "z" * 200).ip
    assert ip is not None
    assert len(ip) == audit.MAX_IP
    assert ip.endswith(audit.MARCA)
    assert _registro(ip=ip).ip == ip  # bounded again by auditoria: unchanged


def test_un_surrogate_suelto_en_cualquier_campo_de_texto_no_impide_el_registro() -> None:
    suelto = "a\ud800b"
    registro = _registro(
        usuario=suelto, recurso=suelto, perfil=suelto, detalle={suelto: [suelto, {"x": suelto}]}
    )
    assert (registro.usuario, registro.recurso, registro.perfil) == ("a?b",) * 3
    assert registro.detalle == {"a?b": ["a?b", {"x": "a?b"}]}
    json.dumps(registro.model_dump(mode="json"), ensure_ascii=False).encode()  # encodes
