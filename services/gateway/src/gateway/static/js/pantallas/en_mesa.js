// Expedientes en mesa: what is on its way to this desk and what arrived lately, with time and
// overdue flags; receive several at once with the counted fojas/tomos, by ticking or by
// scanning a remito or carátula code; reject with a reason.
import { api, ErrorApi } from "../api.js";
import { $, alEnviar, avisar, boton, duracion, fechaHora, h, iniciarPagina, informar, valores, listo } from "../ui.js";

await iniciarPagina();
let enCamino = [];
let rechazando = null;

const enlace = (item) => h("a", { href: `/ui/expedientes/${item.expediente.id}` }, item.expediente.referencia || "Expediente reservado");

function tiempo(item) {
  return h("span", {}, duracion(item.tiempo_en_mesa), item.vencido ? h("span", { class: "insignia vencido" }, " Vencido") : null,
    item.vence_en && !item.vencido ? h("span", { class: "ayuda" }, ` (vence ${fechaHora(item.vence_en)})`) : null);
}

function filaEnCamino(item) {
  const ref = item.expediente.referencia || "expediente";
  const id = item.pase.id;
  const esperadas = item.expediente.fojas !== null && item.expediente.fojas !== undefined ? `${item.expediente.fojas + item.pase.fojas_agregadas}` : "";
  return h("tr", {},
    h("td", {}, h("input", { type: "checkbox", name: "pase", value: id, id: `sel-${id}`, "aria-label": `Recibir ${ref}` })),
    h("td", {}, enlace(item), item.expediente.extracto ? h("div", { class: "ayuda" }, item.expediente.extracto) : null),
    h("td", {}, item.origen?.nombre || "—"),
    h("td", {}, fechaHora(item.enviado_en)),
    h("td", {}, tiempo(item)),
    h("td", {}, h("input", { type: "number", min: 0, name: `fojas-${id}`, class: "corto", placeholder: esperadas, "aria-label": `Fojas contadas de ${ref}` })),
    h("td", {}, h("input", { type: "number", min: 0, name: `tomos-${id}`, class: "corto", "aria-label": `Tomos contados de ${ref}` })),
    h("td", {}, boton("Rechazar", () => {
      rechazando = item;
      $("#rechazo-ref").textContent = ref;
      $("#rechazo").hidden = false;
      $("#motivo").focus();
    })),
  );
}

function filaRecibido(item) {
  return h("tr", {},
    h("td", {}, enlace(item), item.discrepancia ? h("div", { class: "alerta" }, `Discrepancia: ${item.discrepancia}`) : null),
    h("td", {}, item.origen?.nombre || "—"),
    h("td", {}, fechaHora(item.pase.recibido_en)),
    h("td", {}, tiempo(item)),
    h("td", {}, item.pase.observaciones || "—"),
  );
}

async function cargar() {
  const datos = await api("GET", "/api/v1/mesa/en-mesa");
  enCamino = datos.items.filter((i) => i.pase.estado === "PENDIENTE");
  const recibidos = datos.items.filter((i) => i.pase.estado === "RECIBIDO");
  $("#en-camino").replaceChildren(...(enCamino.length ? enCamino.map(filaEnCamino)
    : [h("tr", {}, h("td", { colspan: 8 }, "No hay expedientes en camino a su mesa."))]));
  $("#recibidos").replaceChildren(...(recibidos.length ? recibidos.map(filaRecibido)
    : [h("tr", {}, h("td", { colspan: 5 }, `Nada recibido en los últimos ${datos.dias} días.`))]));
}

function resultado(respuesta) {
  const bien = respuesta.items.filter((r) => r.status < 300).flatMap((r) => r.pases);
  const mal = respuesta.items.filter((r) => r.status >= 300).map((r) => r.detail || "No se pudo recibir.");
  if (mal.length) avisar(`Recibidos: ${bien.length}. No recibidos: ${mal.join(" ")}`);
  else informar(`Recibidos: ${bien.length}.`);
  return bien.length;
}

function entero(valor) {
  const texto = String(valor ?? "").trim();
  return /^\d+$/.test(texto) ? Number(texto) : undefined;
}

alEnviar($("#recepcion"), async (datos) => {
  const ids = datos.getAll("pase");
  if (!ids.length) throw new ErrorApi(422, "Marque al menos un expediente para recibir.");
  const items = ids.map((id) => ({ pase_id: id, fojas: entero(datos.get(`fojas-${id}`)), tomos: entero(datos.get(`tomos-${id}`)) }));
  resultado(await api("POST", "/api/v1/mesa/recepciones", { json: { items } }));
  await cargar();
});

alEnviar($("#escaneo"), async (datos) => {
  const { codigo } = valores(datos);
  if (!codigo) throw new ErrorApi(422, "Escanee o escriba un código.", [{ campo: "codigo", mensaje: "Escanee o escriba un código." }]);
  const recibidos = resultado(await api("POST", "/api/v1/mesa/recepciones", { json: { items: [{ codigo }] } }));
  $("#escaneo").reset();
  $("#codigo").focus();
  if (recibidos) await cargar();
});

alEnviar($("#rechazo"), async (datos) => {
  await api("POST", `/api/v1/pases/${rechazando.pase.id}/rechazo`, { json: valores(datos) });
  $("#rechazo").hidden = true;
  $("#rechazo").reset();
  informar(`Pase de ${rechazando.expediente.referencia || "expediente"} rechazado: vuelve a la mesa de origen.`);
  await cargar();
});

$("[data-cerrar]").addEventListener("click", () => { $("#rechazo").hidden = true; });
$("#actualizar").addEventListener("click", () => cargar());
await cargar();
$("#codigo").focus();
listo();
