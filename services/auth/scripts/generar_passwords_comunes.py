"""Generate `src/auth/data/passwords_comunes.txt`: predictable passwords a policy must refuse.

The list is built here from patterns people really use (words of the domain and of everyday
life, names, teams, keyboard walks, years and the usual suffixes), not copied from any leak.
Run: `python services/auth/scripts/generar_passwords_comunes.py`.
"""

from __future__ import annotations

from pathlib import Path

DESTINO = Path(__file__).resolve().parents[1] / "src" / "auth" / "data" / "passwords_comunes.txt"

SECUENCIAS = [
    "1234567890",
    "0123456789",
    "12345678910",
    "1234512345",
    "1111111111",
    "0000000000",
    "9876543210",
    "1122334455",
    "1212121212",
    "123123123123",
    "qwertyuiop",
    "asdfghjkl",
    "asdfghjklñ",
    "zxcvbnm123",
    "1q2w3e4r5t",
    "q1w2e3r4t5",
    "1qaz2wsx3edc",
    "qazwsxedc123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop1",
    "abc1234567",
    "abcdefghij",
    "abcd123456",
    "aaaaaaaaaa",
    "zzzzzzzzzz",
    "password123",
    "password1234",
    "passw0rd123",
    "p4ssw0rd123",
    "iloveyou123",
    "letmein1234",
    "welcome123",
    "welcome1234",
    "changeme123",
    "trustno1234",
]

PALABRAS = [
    "password",
    "contrasena",
    "contraseña",
    "clave",
    "claveclave",
    "secreto",
    "admin",
    "administrador",
    "usuario",
    "sistema",
    "sigexp",
    "expediente",
    "expedientes",
    "mesadeentradas",
    "gobierno",
    "provincia",
    "ministerio",
    "santacruz",
    "patagonia",
    "argentina",
    "riogallegos",
    "calafate",
    "bienvenido",
    "bienvenida",
    "hola",
    "holamundo",
    "teamo",
    "tequiero",
    "amor",
    "futbol",
    "familia",
    "felicidad",
    "libertad",
    "dragon",
    "monkey",
    "shadow",
    "sunshine",
    "princesa",
    "superman",
    "batman",
    "master",
    "welcome",
    "qwerty",
    "iloveyou",
    "letmein",
    "football",
    "baseball",
    "starwars",
    "pokemon",
    "mariposa",
    "estrella",
    "chocolate",
    "invierno",
    "verano",
    "primavera",
    "otono",
    "diciembre",
    "enero",
    "septiembre",
    "octubre",
]

NOMBRES = [
    "maria",
    "juan",
    "jose",
    "carlos",
    "luis",
    "ana",
    "laura",
    "sofia",
    "lucas",
    "martin",
    "diego",
    "pablo",
    "javier",
    "gabriela",
    "florencia",
    "valentina",
    "camila",
    "mateo",
    "santiago",
    "agustin",
    "nicolas",
    "fernando",
    "alejandro",
    "andrea",
    "marcela",
    "silvia",
]

EQUIPOS = ["boca", "bocajuniors", "river", "riverplate", "racing", "independiente", "sanlorenzo"]

SUFIJOS = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
    "!",
    "123!",
    "2024!",
    "2025!",
    "2026!",
    "@123",
    "01",
]


def candidatos() -> list[str]:
    vistos: dict[str, None] = {}

    def agregar(texto: str) -> None:
        if len(texto) >= 8:
            vistos.setdefault(texto.lower(), None)

    for s in SECUENCIAS:
        agregar(s)
    bases = PALABRAS + EQUIPOS + NOMBRES
    for sufijo in SUFIJOS:  # the most usual suffixes of every word first
        for base in bases:
            agregar(base + sufijo)
    for base in bases:
        agregar(base + base)
        agregar(base.replace("a", "4").replace("e", "3").replace("o", "0") + "123")
    return list(vistos)


def main() -> None:
    lineas = candidatos()[:1000]
    encabezado = (
        "# Common, predictable passwords refused by the policy (generated, see scripts/).\n"
    )
    DESTINO.write_text(encabezado + "\n".join(lineas) + "\n", encoding="utf-8")
    print(f"{len(lineas)} passwords -> {DESTINO}")


if __name__ == "__main__":
    main()
