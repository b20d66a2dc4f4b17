"""The one scope rule, and how a service that has not heard of an expediente answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sigexp_common import alcance
from sigexp_common.errors import Conflicto, NoEncontrado, SinPermiso
from sigexp_common.ids import instante, uuid7
from sigexp_common.security import Perfil, Usuario

MESA, OTRA = uuid.uuid4(), uuid.uuid4()


def _usuario(perfil: Perfil = Perfil.MESA_ENTRADA, mesa_id: uuid.UUID | None = MESA) -> Usuario:
    return Usuario(uuid.uuid4(), "prueba", perfil, None, "100111", mesa_id, False)


def test_uuid7_dice_cuando_se_hizo_y_ordena_por_tiempo() -> None:
    antes = datetime.now(UTC) - timedelta(milliseconds=1)
    ids = [uuid7() for _ in range(500)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    cuando = instante(ids[0])
    assert cuando is not None
    assert antes <= cuando <= datetime.now(UTC)
    viejo = uuid7(datetime(2020, 1, 2, tzinfo=UTC))
    assert instante(viejo) == datetime(2020, 1, 2, tzinfo=UTC)
    assert viejo < ids[0]
    assert instante(uuid.uuid4()) is None


def test_ve_quien_esta_en_una_mesa_alcanzada_o_ve_todo() -> None:
    assert alcance.ve(_usuario(), [OTRA, MESA])
    assert not alcance.ve(_usuario(), [OTRA])
    assert not alcance.ve(_usuario(Perfil.CONSULTA, None), [OTRA])
    for perfil in (Perfil.AUTORIDAD, Perfil.ADMIN):
        assert alcance.ve(_usuario(perfil, None), [])


def test_fuera_de_alcance_publico_es_403_y_reservado_como_inexistente() -> None:
    ident = uuid.uuid4()
    with pytest.raises(SinPermiso):
        alcance.exigir(_usuario(), [OTRA], "PUBLICO", "expediente.ver", ident)
    with pytest.raises(NoEncontrado) as reservado:
        alcance.exigir(_usuario(), [OTRA], "RESERVADO", "expediente.ver", ident)
    inexistente = alcance.no_existe(_usuario(), "expediente.ver", ident)
    assert reservado.value.detail == inexistente.detail
    assert reservado.value.registro is not None
    assert inexistente.registro is not None
    distinto = {"en", "usuario_id"}
    assert reservado.value.registro.model_dump(exclude=distinto) == inexistente.registro.model_dump(
        exclude=distinto
    )


def test_desconocido_recien_hecho_es_409_y_si_no_404() -> None:
    recien = alcance.desconocido(_usuario(), "pase.ver_recorrido", uuid7())
    assert isinstance(recien, Conflicto)
    assert recien.retry_after == 1
    hace_una_hora = uuid7(datetime.now(UTC) - timedelta(hours=1))
    del_futuro = uuid7(datetime.now(UTC) + timedelta(days=1))
    for ident in (hace_una_hora, del_futuro, uuid.uuid4()):
        assert isinstance(alcance.desconocido(_usuario(), "x", ident), NoEncontrado), ident


@pytest.mark.parametrize("edad", [timedelta(0), timedelta(hours=1)], ids=["reciente", "vieja"])
def test_reservado_ajeno_en_un_servicio_con_copia_responde_lo_que_un_id_desconocido(
    edad: timedelta,
) -> None:
    usuario, cuando = _usuario(mesa_id=OTRA), datetime.now(UTC) - edad
    reservado = alcance.rechazo(usuario, "RESERVADO", "x", uuid7(cuando), copia=True)
    desconocido = alcance.desconocido(usuario, "x", uuid7(cuando))
    assert type(reservado) is type(desconocido)
    assert (reservado.status, reservado.detail, reservado.retry_after) == (
        desconocido.status,
        desconocido.detail,
        desconocido.retry_after,
    )
    assert reservado.registro is not None  # both recorded: the same work
    assert desconocido.registro is not None
