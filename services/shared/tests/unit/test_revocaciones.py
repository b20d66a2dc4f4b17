"""The list of revoked sessions one process keeps: latest time per user, "at or before",
bounded by the tokens' life, writes refused while it may be incomplete, cache invalidated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from sigexp_common.errors import NoAutenticado, NoDisponible
from sigexp_common.revocation import (
    SKEW_SECONDS,
    ListaRevocaciones,
    Revocacion,
    Revocaciones,
    revocations_url,
)

AHORA = 1_800_000_000.0


def _claims(usuario: uuid.UUID, iat: float) -> dict[str, Any]:
    return {"sub": str(usuario), "iat": iat, "exp": iat + 900}


def _en(segundos: float) -> datetime:
    return datetime.fromtimestamp(segundos, UTC)


def _lista(reloj: list[float]) -> Revocaciones:
    revocaciones = Revocaciones(clock=lambda: reloj[0])
    revocaciones.load(ListaRevocaciones([]))
    revocaciones.set_live(True)
    return revocaciones


def test_un_token_emitido_hasta_el_instante_revocado_es_401_y_uno_posterior_no() -> None:
    ana = uuid.uuid4()
    revocaciones = _lista([AHORA])
    revocaciones.apply(ana, _en(AHORA - 0.5))
    for iat in (AHORA - 60, AHORA - 0.5):  # before and exactly at the revocation
        with pytest.raises(NoAutenticado):
            revocaciones.check(_claims(ana, iat), write=False)
    revocaciones.check(_claims(ana, AHORA - 0.499999), write=True)  # a microsecond later
    revocaciones.check(_claims(uuid.uuid4(), AHORA - 60), write=True)  # someone else


def test_gana_la_revocacion_mas_reciente_sin_importar_el_orden() -> None:
    ana = uuid.uuid4()
    revocaciones = _lista([AHORA])
    assert revocaciones.apply(ana, _en(AHORA - 10))
    assert not revocaciones.apply(ana, _en(AHORA - 100))  # older, delivered late
    assert not revocaciones.apply(ana, _en(AHORA - 10))  # repeated
    with pytest.raises(NoAutenticado):
        revocaciones.check(_claims(ana, AHORA - 50), write=False)


def test_la_carga_completa_se_suma_a_lo_que_llego_por_el_bus() -> None:
    ana, beto = uuid.uuid4(), uuid.uuid4()
    revocaciones = Revocaciones(clock=lambda: AHORA)
    revocaciones.apply(ana, _en(AHORA - 1))  # heard while the list was loading
    revocaciones.load(ListaRevocaciones([Revocacion(usuario_id=beto, revocadas_hasta=_en(AHORA))]))
    for usuario in (ana, beto):
        with pytest.raises(NoAutenticado):
            revocaciones.check(_claims(usuario, AHORA - 5), write=False)


def test_mientras_la_lista_no_esta_al_dia_se_lee_pero_no_se_escribe() -> None:
    revocaciones = Revocaciones(clock=lambda: AHORA)
    claims = _claims(uuid.uuid4(), AHORA)
    revocaciones.check(claims, write=False)
    with pytest.raises(NoDisponible) as refusal:
        revocaciones.check(claims, write=True)
    assert refusal.value.retry_after == 2
    revocaciones.set_live(True)
    revocaciones.check(claims, write=True)
    revocaciones.set_live(False)  # the subscription dropped
    with pytest.raises(NoDisponible):
        revocaciones.check(claims, write=True)


def test_una_revocacion_se_olvida_cuando_ya_no_queda_token_vivo_que_anule() -> None:
    reloj = [AHORA]
    revocaciones = _lista(reloj)
    revocaciones.load(ListaRevocaciones([], vigencia_segundos=900))
    revocaciones.apply(uuid.uuid4(), _en(AHORA))
    reloj[0] = AHORA + 900 + SKEW_SECONDS + 11
    revocaciones.apply(uuid.uuid4(), _en(reloj[0]))
    assert len(revocaciones) == 1


def test_cada_revocacion_nueva_avisa_para_olvidar_los_tokens_recordados() -> None:
    avisos: list[tuple[uuid.UUID, datetime]] = []
    revocaciones = _lista([AHORA])
    revocaciones.on_revoked(lambda usuario, hasta: avisos.append((usuario, hasta)))
    ana = uuid.uuid4()
    revocaciones.apply(ana, _en(AHORA))
    revocaciones.apply(ana, _en(AHORA))
    assert avisos == [(ana, _en(AHORA))]


def test_la_lista_se_pide_a_auth_en_su_ruta_interna_salvo_que_se_configure_otra() -> None:
    jwks = "http://auth:8001/.well-known/jwks.json"
    assert revocations_url(jwks) == "http://auth:8001/internal/revocaciones"
    assert revocations_url(jwks, "http://otra/lista") == "http://otra/lista"
