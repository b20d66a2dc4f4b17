// Solicitud de cuenta: the public account request, decided later by ADMIN.
import { api } from "../api.js";
import { $, alEnviar, avisar, valores, listo } from "../ui.js";

const form = $("#solicitud");
alEnviar(form, async (datos) => {
  await api("POST", "/api/v1/auth/solicitudes-cuenta", { json: valores(datos) });
  form.reset();
  avisar("Recibimos su solicitud. Le escribiremos al correo indicado cuando sea revisada.", "exito");
});
listo();
