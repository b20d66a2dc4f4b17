"""Signing keys: encryption of the private part and the token claims."""

from __future__ import annotations

import pytest

from auth.service import claves


def test_la_privada_se_guarda_cifrada_y_solo_el_secreto_la_abre():
    clave = claves.nueva_clave("secreto-uno")
    assert "PRIVATE KEY" not in clave.privada_cifrada
    assert "d" not in clave.publica_jwk
    privada = claves.descifrar_privada(clave.privada_cifrada, "secreto-uno")
    assert privada.public_key().public_numbers().x > 0
    with pytest.raises(claves.ClaveIlegible):
        claves.descifrar_privada(clave.privada_cifrada, "secreto-dos")


def test_jwk_publica_es256_con_kid():
    clave = claves.nueva_clave("s")
    assert clave.publica_jwk["kid"] == clave.kid
    assert clave.publica_jwk["alg"] == "ES256"
    assert clave.publica_jwk["crv"] == "P-256"
