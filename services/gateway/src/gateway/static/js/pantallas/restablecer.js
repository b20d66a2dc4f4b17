// The page the e-mailed reset link opens (`/restablecer?token=...`).
import { api, ErrorApi } from "../api.js";
import { $, alEnviar, avisar, mostrarError, listo } from "../ui.js";

const token = new URLSearchParams(location.search).get("token");
const form = $("#restablecer");
if (!token) avisar("El enlace está incompleto. Pida uno nuevo desde “¿Olvidaste tu contraseña?”.");

alEnviar(form, async (datos) => {
  if (datos.get("password_nueva") !== datos.get("password_repetida")) {
    mostrarError(form, new ErrorApi(422, "Las contraseñas no coinciden.", [
      { campo: "password_repetida", mensaje: "No coincide con la contraseña nueva." },
    ]));
    return;
  }
  await api("POST", "/api/v1/auth/password/restablecer", {
    json: { token: token || "", password_nueva: datos.get("password_nueva") },
  });
  form.hidden = true;
  avisar("Listo: su contraseña fue cambiada. Ya puede ingresar con ella.", "exito");
});
listo();
