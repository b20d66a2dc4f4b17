// Alta de Expediente: the manual's form; shows the number assigned and prints the carátula.
import { api, catalogo } from "../api.js";
import { $, abrir, alEnviar, h, iniciarPagina, valores, listo } from "../ui.js";

await iniciarPagina();
const form = $("#alta");

alEnviar(form, async (datos) => {
  const expediente = await api("POST", "/api/v1/expedientes", {
    json: valores(datos, ["numero", "anio", "tomos", "fojas"]),
  });
  form.hidden = true;
  $("#referencia-creada").textContent = expediente.referencia;
  $("#ver-creado").href = `/ui/expedientes/${expediente.id}`;
  $("#caratula").addEventListener("click", () => abrir(`/api/v1/expedientes/${expediente.id}/caratula.pdf`));
  $("#creado").hidden = false;
  $("#creado").focus();
});

const tipos = await catalogo("tipos");
$("#tipo").replaceChildren(...tipos.items.map((t) => h("option", { value: t.codigo, selected: t.codigo === "GENERAL" }, t.nombre)));
$("#extracto").focus();
listo();
