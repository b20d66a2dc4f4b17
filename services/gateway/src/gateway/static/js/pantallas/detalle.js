// Detalle del expediente: its data, what this user may do with it (or why not), and the
// parts of the detail (route, archivos, conexos, anotaciones, historial) from js/detalle/.
import { api, catalogo } from "../api.js";
import { $, abrir, alEnviar, boton, etiqueta, fecha, h, iniciarPagina, informar, insignia, puede, valores, listo } from "../ui.js";
import { mostrarRecorrido } from "../detalle/recorrido.js";
import { mostrarArchivos } from "../detalle/archivos.js";
import { mostrarAnotaciones, mostrarHistorial } from "../detalle/anotaciones.js";
import { mostrarConexos } from "../detalle/conexos.js";

const yo = await iniciarPagina();
const id = $("#detalle").dataset.expedienteId;
const espera = (ms) => new Promise((listo) => setTimeout(listo, ms));

// The composed detail names in `incompletos` what has not arrived yet: ask again, quietly.
async function leerDetalle() {
  for (let intento = 0; ; intento += 1) {
    const detalle = await api("GET", `/api/v1/expedientes/${id}`);
    if (!(detalle.incompletos || []).length || intento >= 10) return detalle;
    await espera(1000);
  }
}

// Why this user may not modify or send it now (empty: it may).
function impedimentos(e, tenencia) {
  const motivos = [];
  if (!puede(yo, "MESA_ENTRADA", "OFICINA")) motivos.push(`Su perfil (${etiqueta("perfil", yo.perfil)}) no permite modificar ni enviar expedientes.`);
  else if (e.mesa_actual_id !== yo.mesa_id) motivos.push("El expediente no está en poder de su mesa.");
  if (e.estado === "ANULADO") motivos.push("El expediente está anulado.");
  if (e.estado === "RECEPCION_PENDIENTE" || tenencia?.en_transito) motivos.push("El expediente está en camino: debe recibirse antes.");
  if ((tenencia?.permiso || e.permiso_actual) === "LECTURA") motivos.push("Su mesa lo tiene con permiso de lectura, no de escritura.");
  return motivos;
}

function dato(nombre, ...valor) {
  return [h("dt", {}, nombre), h("dd", {}, ...valor)];
}

function mostrarDatos(detalle, tipos) {
  const e = detalle.expediente;
  $("#titulo-referencia").textContent = e.referencia;
  document.title = `Expediente ${e.referencia} — SIGEXP`;
  const tenencia = detalle.tenencia;
  $("#datos").replaceChildren(
    ...dato("Número", e.referencia),
    ...dato("Código de organismo", e.codigo),
    ...dato("Estado", insignia("estado", e.estado)),
    ...dato("Extracto", e.extracto),
    ...dato("Tipo", tipos[e.tipo] || e.tipo),
    ...dato("Carácter", etiqueta("caracter", e.caracter)),
    ...dato("Fojas / tomos", `${e.fojas} fojas, ${e.tomos} ${e.tomos === 1 ? "tomo" : "tomos"}`),
    ...dato("Número de instrumento", e.numero_instrumento || "—"),
    ...(e.numero_gde ? dato("Número GDE", e.numero_gde) : []),
    ...dato("Mesa actual", e.mesa_actual?.nombre || "—", tenencia?.en_transito ? " (en camino)" : ""),
    ...dato("Permiso de la mesa", etiqueta("permiso", tenencia?.permiso || e.permiso_actual)),
    ...dato("Iniciado", `${fecha(e.creado_en)} por ${e.iniciado_por_usuario || "—"}`),
  );
  const motivos = impedimentos(e, tenencia);
  const libre = !motivos.length;
  const acciones = [boton("Imprimir carátula", () => abrir(`/api/v1/expedientes/${id}/caratula.pdf`))];
  if (libre) {
    acciones.unshift(
      h("a", { class: "boton", href: `/ui/pases?ids=${id}` }, "Enviar pase"),
      boton("Editar", () => abrirFormulario("#edicion", e)),
      boton("Solicitar baja", () => abrirFormulario("#baja")),
    );
  }
  $("#acciones-expediente").replaceChildren(...acciones);
  $("#motivos").replaceChildren(...motivos.map((m) => h("li", {}, `No puede editar ni enviar pase: ${m}`)));
}

function abrirFormulario(selector, e) {
  const form = $(selector);
  if (e) {
    for (const campo of ["extracto", "tipo", "caracter", "estado", "numero_instrumento", "numero_gde", "tomos", "fojas"]) {
      if (form.elements[campo]) form.elements[campo].value = e[campo] ?? "";
    }
  }
  form.hidden = false;
  form.querySelector("textarea, input, select")?.focus();
}

for (const cerrar of document.querySelectorAll("[data-cerrar]")) {
  cerrar.addEventListener("click", () => { cerrar.closest("form").hidden = true; });
}

let tipos = {};
const lista = (ruta) => api("GET", ruta).then((r) => r.items).catch(() => null);

export async function recargar() {
  // The parts the composed detail may not carry yet are asked for at the same time.
  const [detalle, delCatalogo, anotaciones, historial] = await Promise.all([
    leerDetalle(), tipos.GENERAL ? null : catalogo("tipos"),
    lista(`/api/v1/expedientes/${id}/anotaciones`), lista(`/api/v1/expedientes/${id}/historial`),
  ]);
  if (delCatalogo) tipos = Object.fromEntries(delCatalogo.items.map((t) => [t.codigo, t.nombre]));
  if (!detalle.anotaciones?.length && anotaciones) detalle.anotaciones = anotaciones;
  if (!detalle.historial?.length && historial) detalle.historial = historial;
  const contexto = { yo, id, detalle, recargar };
  mostrarDatos(detalle, tipos);
  $("#e-tipo").replaceChildren(...Object.entries(tipos).map(([codigo, nombre]) => h("option", { value: codigo }, nombre)));
  mostrarRecorrido(contexto);
  await Promise.all([
    mostrarArchivos(contexto), mostrarAnotaciones(contexto), mostrarHistorial(contexto), mostrarConexos(contexto),
  ]);
}

alEnviar($("#edicion"), async (datos) => {
  const actual = (await api("GET", `/api/v1/expedientes/${id}`)).expediente;
  const cambios = {};
  for (const [campo, valor] of Object.entries(valores(datos, ["tomos", "fojas"]))) {
    if (String(actual[campo] ?? "") !== String(valor)) cambios[campo] = valor;
  }
  if (Object.keys(cambios).length) await api("PATCH", `/api/v1/expedientes/${id}`, { json: cambios });
  $("#edicion").hidden = true;
  informar("Cambios guardados.");
  await recargar();
});

alEnviar($("#baja"), async (datos) => {
  await api("POST", `/api/v1/expedientes/${id}/solicitudes-baja`, { json: valores(datos) });
  $("#baja").hidden = true;
  informar("Solicitud de baja enviada: Administración la decidirá.");
  await recargar();
});

await recargar();
listo();
