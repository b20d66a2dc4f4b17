"""Password policy, provisional passwords and the argon2id parameters."""

from __future__ import annotations

import pytest

from auth.service import passwords
from auth.settings import Settings
from sigexp_common.errors import DatoInvalido


def test_password_corta_se_rechaza():
    assert passwords.problemas_de_password("Ab-12345", "juanp", "juan@x.gob") == [
        "Debe tener al menos 10 caracteres."
    ]


@pytest.mark.parametrize("comun", ["password123", "Contrasena2024", "qwertyuiop", "Maria12345"])
def test_password_comun_se_rechaza_sin_importar_mayusculas(comun):
    assert "Es una contraseña demasiado común; elija otra." in passwords.problemas_de_password(
        comun, "alguien", "alguien@x.gob"
    )


def test_password_que_contiene_el_usuario_o_el_correo_se_rechaza():
    assert passwords.problemas_de_password("Mi-JPEREZ-2030", "jperez", "otro@x.gob") == [
        "No puede contener el nombre de usuario."
    ]
    assert passwords.problemas_de_password("xx-ana.lopez-99", "al", "ana.lopez@x.gob") == [
        "No puede contener su correo."
    ]


def test_password_buena_se_acepta():
    assert passwords.problemas_de_password("Tornillo-Azul-Maizal-47", "jperez", "j@x.gob") == []


def test_exigir_politica_nombra_el_campo():
    with pytest.raises(DatoInvalido) as info:
        passwords.exigir_politica("corta", "u", "u@x.gob", "password_nueva")
    assert info.value.errores[0].campo == "password_nueva"


def test_lista_de_comunes_tiene_unas_mil():
    assert 900 <= len(passwords.passwords_comunes()) <= 1100


def test_provisoria_generada_cumple_la_politica_y_no_se_repite():
    generadas = {passwords.generar_provisoria() for _ in range(50)}
    assert len(generadas) == 50
    for p in generadas:
        assert passwords.problemas_de_password(p, "usuario", "usuario@x.gob") == []


async def test_hash_es_argon2id_con_los_parametros_configurados():
    settings = Settings()
    h = await passwords.hashear(settings, "Tornillo-Azul-Maizal-47")
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await passwords.verificar(settings, "Tornillo-Azul-Maizal-47", h))[0] is True
    assert (await passwords.verificar(settings, "otra", h))[0] is False


async def test_hash_con_parametros_viejos_se_actualiza_al_verificar():
    viejo = Settings(argon2_time_cost=1, argon2_memory_kib=8192)
    h = await passwords.hashear(viejo, "Tornillo-Azul-Maizal-47")
    valida, nuevo = await passwords.verificar(Settings(), "Tornillo-Azul-Maizal-47", h)
    assert valida is True
    assert nuevo is not None
    assert nuevo.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
