// Pase and Pases múltiples: tick the files held by this desk (or come with ?ids=), choose the
// destination desk by name, send them together; open or download the numbered remito.
import { api, catalogo, ErrorApi } from "../api.js";
import { $, $$, abrir, alEnviar, descargar, h, iniciarPagina, insignia, valores, listo } from "../ui.js";

const yo = await iniciarPagina();
const pedidos = (new URLSearchParams(location.search).get("ids") || "").split(",").filter(Boolean);
const form = $("#pase");
let mesas = [];
let dependencias = [];

const nombreMesa = (m) => `${m.nombre} — ${m.organismo?.nombre || ""}`.trim();

function candidato(e, marcado) {
  const id = `exp-${e.id}`;
  return h("li", {}, h("input", { type: "checkbox", id, name: "expediente_ids", value: e.id, checked: marcado }),
    h("label", { for: id }, h("strong", {}, e.referencia), ` — ${e.extracto} `, insignia("estado", e.estado)));
}

async function cargarCandidatos() {
  const propios = [];
  let cursor = null;
  do { // every page of what this user sees, keeping what its desk holds and may send
    const pagina = await api("GET", "/api/v1/expedientes", { params: { estado: "EN_TRAMITE", limit: 200, cursor } });
    propios.push(...pagina.items.filter((e) => e.mesa_actual_id === yo.mesa_id));
    cursor = propios.length < 400 ? pagina.next_cursor : null;
  } while (cursor);
  const faltan = pedidos.filter((id) => !propios.some((e) => e.id === id));
  const otros = await Promise.all(faltan.map((id) => api("GET", `/api/v1/expedientes/${id}`).then((d) => d.expediente).catch(() => null)));
  const todos = [...otros.filter(Boolean), ...propios];
  $("#candidatos").replaceChildren(...(todos.length
    ? todos.map((e) => candidato(e, pedidos.includes(e.id)))
    : [h("li", {}, "Su mesa no tiene expedientes para enviar.")]));
}

function mostrarMesas() {
  const organismo = $("#organismo").value;
  const visibles = mesas.filter((m) => !organismo || m.organismo_id === organismo);
  $("#mesas").replaceChildren(...visibles.map((m) => h("option", { value: nombreMesa(m) })));
  $("#dependencia").replaceChildren(h("option", { value: "" }, "Ninguna"),
    ...dependencias.filter((d) => !organismo || d.organismo_id === organismo).map((d) => h("option", { value: d.id }, `${d.nombre} (${d.organismo?.nombre || ""})`)));
}

async function cargarCatalogo() {
  const [organismos, mesas_, dependencias_] = await Promise.all(
    ["organismos", "mesas", "dependencias"].map((c) => catalogo(c)));
  mesas = mesas_.items.filter((m) => m.activo !== false && m.id !== yo.mesa_id);
  dependencias = dependencias_.items.filter((d) => d.activo !== false);
  $("#organismo").append(...organismos.items.map((o) => h("option", { value: o.id }, o.nombre)));
  mostrarMesas();
}

$("#organismo").addEventListener("change", mostrarMesas);

alEnviar(form, async (datos) => {
  const cuerpo = valores(datos, ["fojas_agregadas", "tomos_agregados", "plazo_dias_habiles"]);
  delete cuerpo.mesa_destino;
  cuerpo.expediente_ids = datos.getAll("expediente_ids");
  const texto = (datos.get("mesa_destino") || "").trim().toLowerCase();
  const mesa = mesas.find((m) => nombreMesa(m).toLowerCase() === texto) ||
    (texto && mesas.filter((m) => nombreMesa(m).toLowerCase().includes(texto)).length === 1
      ? mesas.find((m) => nombreMesa(m).toLowerCase().includes(texto)) : null);
  const faltas = [];
  if (!cuerpo.expediente_ids.length) faltas.push({ campo: "expediente_ids", mensaje: "Marque al menos un expediente." });
  if (!mesa) faltas.push({ campo: "mesa_destino_id", mensaje: "Elija una mesa de la lista (escriba parte del nombre)." });
  if (faltas.length) throw new ErrorApi(422, "Revise los datos del pase.", faltas);
  cuerpo.mesa_destino_id = mesa.id;
  cuerpo.organismo_destino_id = mesa.organismo_id;
  const envio = await api("POST", "/api/v1/pases", { json: cuerpo });
  const remito = envio.remito;
  form.hidden = true;
  $("#enviado-resumen").textContent = `Se enviaron ${envio.pases.length} expediente(s) a ${nombreMesa(mesa)}. Remito N.º ${remito.numero}/${remito.anio}.`;
  $("#remito-descargar").addEventListener("click", () => descargar(remito.pdf, `remito-${remito.numero}-${remito.anio}.pdf`));
  $("#remito-abrir").addEventListener("click", () => abrir(remito.pdf));
  $("#enviado").hidden = false;
  $("#enviado").focus();
});

await Promise.all([cargarCandidatos(), cargarCatalogo()]);
if ($$("input[name=expediente_ids]:checked").length) $("#mesa").focus();
listo();
