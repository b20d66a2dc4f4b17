// Ingresar al Sistema: log in, keep the tokens for this tab, go where the user was going
// (or to the forced password change).
import { api, cerrarSesion, guardarSesion, sesion } from "../api.js";
import { $, alEnviar, informar, valores, listo } from "../ui.js";

function destino() {
  const volver = new URLSearchParams(location.search).get("volver") || "";
  return volver.startsWith("/ui/") ? volver : "/ui/expedientes";
}

if (sesion()?.access_token) location.replace(destino());

alEnviar($("#ingreso"), async (datos) => {
  cerrarSesion();
  informar("Verificando…");
  try {
    const tokens = await api("POST", "/api/v1/auth/login", { json: valores(datos) });
    guardarSesion({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
    const yo = await api("GET", "/api/v1/auth/me");
    guardarSesion({ yo });
    location.assign(tokens.debe_cambiar_password ? "/ui/cambiar-password" : destino());
  } finally {
    informar("");
  }
});
$("#usuario").focus();
listo();
