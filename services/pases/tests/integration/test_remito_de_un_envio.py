"""Through pasenv's real envío: the remito it issues prints, its QR decoded from the rendered
page verifies it, the plazo counts business days, en mesa shows it, and the destination desk
that opted in gets its arrival notice."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from sigexp_testing.mailcatcher import body_text, read_mails
from sigexp_testing.waiting import wait_until


def _qr(pdf: bytes, carpeta: Path) -> str:
    (carpeta / "r.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "110",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            str(carpeta / "r.pdf"),
            str(carpeta / "r"),
        ],
        check=True,
    )
    leido = subprocess.run(
        ["zbarimg", "-q", "--raw", str(carpeta / "r.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    return leido.stdout.strip()


async def test_el_remito_de_un_envio_se_imprime_se_verifica_y_avisa_a_la_mesa(
    escenario, tmp_path, smtp
):
    _, carpeta_correo = smtp
    origen, destino = await escenario.mesa(), await escenario.mesa()
    correo = f"avisos-{uuid.uuid4().hex[:8]}@prueba.sigexp.invalid"
    r = await escenario.cliente.put(
        "/api/v1/mesa/avisos",
        json={"correo": correo, "activo": True},
        headers=escenario.headers(destino),
    )
    assert r.status_code == 200, r.text
    publico = await escenario.expediente(origen)
    reservado = await escenario.expediente(origen, caracter="RESERVADO")
    r = await escenario.enviar(
        origen, destino, [publico, reservado], plazo_dias_habiles=3, observaciones="interna"
    )
    assert r.status_code == 201, r.text
    remito = r.json()["remito"]

    pdf = await escenario.cliente.get(remito["pdf"], headers=escenario.headers(destino, "OFICINA"))
    assert pdf.status_code == 200, pdf.text
    url = _qr(pdf.content, tmp_path)
    assert url.endswith(f"/api/v1/remitos/verificar/{remito['codigo_verificacion']}")
    verificado = await escenario.cliente.get(url.removeprefix("http://127.0.0.1:8000"))
    assert verificado.status_code == 200, verificado.text
    body = verificado.json()
    assert (body["numero"], body["cantidad"], body["recibidos"]) == (remito["numero"], 2, 0)
    assert sorted(i["extracto"] is None for i in body["items"]) == [False, True]
    assert "interna" not in verificado.text

    en_mesa = await escenario.cliente.get(
        "/api/v1/mesa/en-mesa", headers=escenario.headers(destino)
    )
    items = en_mesa.json()["items"]
    assert {i["expediente"]["id"] for i in items} == {str(publico), str(reservado)}
    assert all(i["plazo"] == 3 and i["vence_en"] and not i["vencido"] for i in items)

    async def llego() -> bool:
        return bool(read_mails(carpeta_correo, to=correo))

    await wait_until(llego, timeout=15)
    (mensaje,) = read_mails(carpeta_correo, to=correo)
    assert f"remito N.º {remito['numero']}/{remito['anio']}" in str(mensaje["Subject"])
    assert "con 2 expediente(s)" in body_text(mensaje)
