// ¿Olvidaste tu contraseña?: asks for the e-mailed link (always the same answer).
import { api } from "../api.js";
import { $, alEnviar, avisar, valores, listo } from "../ui.js";

alEnviar($("#olvido"), async (datos) => {
  await api("POST", "/api/v1/auth/password/olvido", { json: valores(datos) });
  avisar("Si el correo corresponde a una cuenta, le enviamos un enlace para restablecer la contraseña. Revise su casilla.", "exito");
  $("#olvido").reset();
});
listo();
