// Anotaciones internas (add, delete by the author's desk) and the historial.
import { api } from "../api.js";
import { $, alEnviar, boton, etiqueta, etiquetaDe, fechaHora, h, informar, puede, valores } from "../ui.js";

let contextoActual = null;

function anotacion(a, yo) {
  if (a.eliminada) {
    return h("li", { class: "eliminada" }, `Anotación eliminada ${fechaHora(a.eliminada_en)}${a.eliminada_por ? ` por ${a.eliminada_por}` : ""}.`);
  }
  const propia = puede(yo, "MESA_ENTRADA", "OFICINA") && a.mesa_id === yo.mesa_id;
  return h("li", {},
    h("p", {}, a.texto || ""),
    h("p", { class: "ayuda" }, `${a.autor || "—"} · ${fechaHora(a.creado_en)}`),
    propia && boton("Eliminar anotación", async () => {
      if (!confirm("¿Eliminar esta anotación? La eliminación queda registrada.")) return;
      await api("DELETE", `/api/v1/expedientes/${contextoActual.id}/anotaciones/${a.id}`);
      informar("Anotación eliminada.");
      await mostrarAnotaciones(contextoActual, true);
    }));
}

export async function mostrarAnotaciones(contexto, pedir = false) {
  contextoActual = contexto;
  const { yo, id, detalle } = contexto;
  let items = detalle.anotaciones || [];
  if (pedir) items = (await api("GET", `/api/v1/expedientes/${id}/anotaciones`)).items;
  $("#anotaciones").replaceChildren(...(items.length ? items.map((a) => anotacion(a, yo)) : [h("li", {}, "Sin anotaciones.")]));
  const form = $("#anotar");
  form.hidden = !puede(yo, "MESA_ENTRADA", "OFICINA");
  if (!form.dataset.listo) {
    form.dataset.listo = "1";
    alEnviar(form, async (datos) => {
      await api("POST", `/api/v1/expedientes/${id}/anotaciones`, { json: valores(datos) });
      form.reset();
      informar("Anotación agregada.");
      await mostrarAnotaciones(contextoActual, true);
    });
  }
}

// The event's details as readable text (never raw JSON): "clave: valor" of plain values.
function resumen(detalle) {
  if (!detalle || typeof detalle !== "object") return "";
  return Object.entries(detalle)
    .filter(([clave, v]) => v !== null && v !== "" && typeof v !== "object" && !clave.endsWith("_id") && clave !== "id")
    .map(([clave, v]) => `${clave.replaceAll("_", " ")}: ${typeof v === "string" ? etiquetaDe(v) : v}`)
    .join(" · ");
}

export async function mostrarHistorial({ id, detalle }) {
  let items = detalle.historial || [];
  if (!items.length) items = (await api("GET", `/api/v1/expedientes/${id}/historial`)).items;
  $("#historial").replaceChildren(...items.map((s) => h("tr", {},
    h("td", {}, fechaHora(s.en)),
    h("td", {}, etiqueta("accion", s.accion)),
    h("td", {}, s.usuario || "—"),
    h("td", {}, s.mesa?.nombre || "—"),
    h("td", {}, resumen(s.detalle)),
  )));
}
