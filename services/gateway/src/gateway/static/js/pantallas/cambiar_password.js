// Cambio de contraseña (forced at the first login with a provisional one).
import { api, ErrorApi, guardarSesion } from "../api.js";
import { $, alEnviar, iniciarPagina, mostrarError, listo } from "../ui.js";

const yo = await iniciarPagina();
$("#obligatorio").hidden = !yo.debe_cambiar_password;
const form = $("#cambio");

alEnviar(form, async (datos) => {
  if (datos.get("password_nueva") !== datos.get("password_repetida")) {
    mostrarError(form, new ErrorApi(422, "Las contraseñas no coinciden.", [
      { campo: "password_repetida", mensaje: "No coincide con la contraseña nueva." },
    ]));
    return;
  }
  await api("POST", "/api/v1/auth/password", {
    json: { password_actual: datos.get("password_actual"), password_nueva: datos.get("password_nueva") },
  });
  // A password change voids the earlier tokens: sign in again with the new one.
  const tokens = await api("POST", "/api/v1/auth/login", {
    json: { usuario: yo.usuario, password: datos.get("password_nueva") },
  });
  guardarSesion({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
  guardarSesion({ yo: await api("GET", "/api/v1/auth/me") });
  location.assign("/ui/expedientes");
});
$("#password_actual").focus();
listo();
