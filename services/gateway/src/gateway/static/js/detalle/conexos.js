// Expedientes conexos: vínculos, acumulados and fojas/tomos corrections. Against a deployment
// whose expedientes service lacks these routes (they answer 404) the section stays hidden.
import { api, ErrorApi } from "../api.js";
import { $, alEnviar, boton, fechaHora, h, informar, insignia, puede, valores } from "../ui.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let contextoActual = null;

async function leer(ruta) {
  try {
    return await api("GET", ruta);
  } catch (error) {
    if (error instanceof ErrorApi && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

function resumen(exp) {
  if (!exp?.id) return h("span", {}, "Expediente reservado");
  return h("span", {}, h("a", { href: `/ui/expedientes/${exp.id}` }, exp.referencia || "Expediente"),
    exp.extracto ? ` — ${exp.extracto} ` : " ", exp.estado ? insignia("estado", exp.estado) : null);
}

async function referenciaAId(texto) {
  if (UUID.test(texto)) return texto;
  const encontrados = await api("GET", "/api/v1/expedientes", { params: { q: texto, limit: 20 } });
  const exacto = encontrados.items.find((e) => e.referencia === texto);
  if (!exacto) throw new ErrorApi(422, "No se encontró ese expediente.", [{ campo: "expediente_id", mensaje: "No hay un expediente con ese número a su alcance." }]);
  return exacto.id;
}

export async function mostrarConexos(contexto) {
  contextoActual = contexto;
  const { yo, id, detalle } = contexto;
  const e = detalle.expediente;
  const [vinculos, acumulados] = await Promise.all([
    e.vinculos ? { items: e.vinculos } : leer(`/api/v1/expedientes/${id}/vinculos`),
    leer(`/api/v1/expedientes/${id}/acumulados`),
  ]);
  if (!vinculos && !acumulados) return; // not deployed yet
  $("#conexos").hidden = false;
  const escribe = puede(yo, "MESA_ENTRADA", "OFICINA") && e.mesa_actual_id === yo.mesa_id && e.estado !== "ANULADO";
  const principal = acumulados?.principal || e.acumulado_en;
  $("#acumulado-en").replaceChildren(...(principal ? [h("p", { class: "nota" }, "Acumulado en ", resumen(principal))] : []));
  $("#vinculos").replaceChildren(...((vinculos?.items || []).map((v) => h("li", {}, resumen(v.expediente),
    v.motivo ? ` · ${v.motivo}` : "", ` · ${fechaHora(v.creado_en)} `,
    escribe && boton("Desvincular", async () => {
      await api("DELETE", `/api/v1/expedientes/${id}/vinculos/${v.id}`);
      informar("Vínculo quitado.");
      await contextoActual.recargar(); // the detail in hand still lists the link
    })))) || []);
  if (!(vinculos?.items || []).length) $("#vinculos").replaceChildren(h("li", {}, "Sin expedientes vinculados."));
  const lista = acumulados?.items || [];
  $("#acumulados").replaceChildren(...(lista.length ? lista.map((a) => h("li", {}, resumen(a.expediente || { id: a.acumulado_id, referencia: a.referencia }),
    a.motivo ? ` · ${a.motivo} ` : " ",
    escribe && boton("Desglosar", async () => {
      const motivo = prompt("Motivo del desglose:");
      if (!motivo) return;
      await api("POST", `/api/v1/expedientes/${id}/acumulados/${a.acumulado_id || a.expediente?.id}/desglose`, { json: { motivo } });
      informar("Expediente desglosado.");
      await contextoActual.recargar();
    }))) : [h("li", {}, "Sin expedientes acumulados.")]));
  $("#vincular").hidden = !escribe;
  $("#correccion").hidden = !escribe;
}

alEnviar($("#vincular"), async (datos, boton_) => {
  const cuerpo = valores(datos);
  cuerpo.expediente_id = await referenciaAId(cuerpo.expediente_id || "");
  const accion = boton_?.value === "acumular" ? "acumulados" : "vinculos";
  await api("POST", `/api/v1/expedientes/${contextoActual.id}/${accion}`, { json: { expediente_id: cuerpo.expediente_id, motivo: cuerpo.motivo } });
  $("#vincular").reset();
  informar(accion === "acumulados" ? "Expediente acumulado." : "Expediente vinculado.");
  await contextoActual.recargar();
});

alEnviar($("#correccion"), async (datos) => {
  const correccion = await api("POST", `/api/v1/expedientes/${contextoActual.id}/correcciones`, { json: valores(datos, ["fojas", "tomos"]) });
  $("#correccion").reset();
  informar(`Corrección pedida (${correccion.estado === "PENDIENTE" ? "pendiente de aprobación" : correccion.estado}).`);
});
