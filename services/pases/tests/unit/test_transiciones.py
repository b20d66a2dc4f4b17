"""Custody and a pase change only through their methods, which refuse what the state forbids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pases.models import PENDIENTE, Pase, Tenencia
from sigexp_common.errors import Conflicto

AHORA = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _tenencia(mesa: uuid.UUID, permiso: str = "ESCRITURA") -> Tenencia:
    return Tenencia.asignar_inicial(
        uuid.uuid4(),
        mesa,
        permiso=permiso,
        desde=AHORA - timedelta(days=1),
        referencia="1-2026",
        caracter="PUBLICO",
        organismo_id=None,
        fojas=10,
        tomos=1,
    )


def _pase(tenencia: Tenencia, destino: uuid.UUID, **campos: object) -> Pase:
    valores: dict[str, object] = {
        "id": uuid.uuid4(),
        "expediente_id": tenencia.expediente_id,
        "mesa_origen_id": tenencia.mesa_id,
        "mesa_destino_id": destino,
        "permiso": "LECTURA",
        "fojas_agregadas": 2,
        "tomos_agregados": 0,
        "fojas_esperadas": tenencia.fojas + 2,
        "tomos_esperados": tenencia.tomos,
        "estado": PENDIENTE,
        "enviado_en": AHORA,
    }
    return Pase(**{**valores, **campos})


def test_enviar_deja_en_transito_hacia_el_destino_con_su_permiso() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    tenencia = _tenencia(a)
    pase = _pase(tenencia, b)
    tenencia.enviar(pase)
    assert (tenencia.mesa_id, tenencia.permiso, tenencia.en_transito) == (b, "LECTURA", True)
    assert (tenencia.mesa_origen_id, tenencia.mesas, tenencia.version) == (a, [a, b], 2)
    assert (pase.permiso_anterior, tenencia.pase_id, tenencia.desde) == (
        "ESCRITURA",
        pase.id,
        AHORA,
    )


def test_no_se_envia_lo_que_esta_en_transito_ni_lo_que_tiene_otra_mesa() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    tenencia = _tenencia(a)
    tenencia.enviar(_pase(tenencia, b))
    with pytest.raises(Conflicto, match="todavía no fue recibido"):
        tenencia.enviar(_pase(tenencia, a, mesa_origen_id=b))
    with pytest.raises(Conflicto, match="ya está enviado"):
        tenencia.enviar(_pase(tenencia, b, mesa_origen_id=a))
    assert _tenencia(a).impedimento_para_enviar(b) == "no está en poder de su mesa"
    assert tenencia.version == 2


def test_recibir_suma_lo_agregado_y_un_conteo_distinto_es_discrepancia() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    tenencia = _tenencia(a)
    pase = _pase(tenencia, b, tomos_agregados=1, tomos_esperados=2)
    tenencia.enviar(pase)
    pase.recibir(AHORA, "recibe", uuid.uuid4(), fojas=11, tomos=3)
    tenencia.recibir(pase)
    assert pase.discrepancia == (
        "fojas: se esperaban 12, se contaron 11; tomos: se esperaban 2, se contaron 3."
    )
    assert (tenencia.fojas, tenencia.tomos, tenencia.en_transito) == (12, 2, False)
    with pytest.raises(Conflicto, match="ya está recibido"):
        pase.recibir(AHORA, "recibe", uuid.uuid4(), fojas=None, tomos=None)


def test_un_conteo_igual_o_no_informado_no_es_discrepancia() -> None:
    tenencia = _tenencia(uuid.uuid4())
    pase = _pase(tenencia, uuid.uuid4())
    pase.recibir(AHORA, "recibe", uuid.uuid4(), fojas=12, tomos=None)
    assert pase.discrepancia is None


def test_devolver_un_pase_recibido_restituye_la_custodia_anterior_y_descuenta() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    tenencia = _tenencia(a, permiso="LECTURA")
    pase = _pase(tenencia, b, permiso="ESCRITURA")
    tenencia.enviar(pase)
    pase.recibir(AHORA, "recibe", uuid.uuid4(), fojas=None, tomos=None)
    tenencia.recibir(pase)
    assert pase.revertir(AHORA, "admin", "por error") is True
    tenencia.devolver(pase, AHORA, habia_sido_recibido=True)
    assert (tenencia.mesa_id, tenencia.permiso, tenencia.mesa_origen_id) == (a, "LECTURA", None)
    assert (tenencia.fojas, tenencia.en_transito, tenencia.version, tenencia.mesas) == (
        10,
        False,
        4,
        [a, b],
    )
    with pytest.raises(Conflicto, match="no se puede revertir"):
        pase.revertir(AHORA, "admin", "otra vez")


def test_no_se_devuelve_por_un_pase_del_que_ya_no_depende_la_custodia() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    tenencia = _tenencia(a)
    primero = _pase(tenencia, b)
    tenencia.enviar(primero)
    primero.recibir(AHORA, "b", uuid.uuid4(), fojas=None, tomos=None)
    tenencia.recibir(primero)
    tenencia.enviar(_pase(tenencia, c))
    with pytest.raises(Conflicto, match="ya no depende de este pase"):
        tenencia.devolver(primero, AHORA, habia_sido_recibido=True)


def test_acumular_y_desglosar_cambian_la_version_pero_no_donde_ni_desde_cuando_esta() -> None:
    mesa = uuid.uuid4()
    principal, acumulado = _tenencia(mesa), _tenencia(mesa)
    desde = acumulado.desde

    acumulado.acumular(principal)

    assert (acumulado.acumulado_en_id, acumulado.version) == (principal.expediente_id, 2)
    assert (acumulado.mesa_id, acumulado.desde, acumulado.en_transito) == (mesa, desde, False)
    acumulado.desglosar()
    assert (acumulado.acumulado_en_id, acumulado.version) == (None, 3)
    assert principal.version == 1  # the principal's custody does not change
