// Estadísticas de mesa: dwell times, overdue and stuck files, weekly traffic, as SVG charts
// drawn here (nothing from outside), each with its figures as text for screen readers.
import { api, catalogo } from "../api.js";
import { $, alEnviar, duracion, fecha, h, iniciarPagina, puede, valores, listo } from "../ui.js";

const yo = await iniciarPagina();
const SVG = "http://www.w3.org/2000/svg";

function s(tag, atributos = {}, ...hijos) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(atributos)) el.setAttribute(k, v);
  el.append(...hijos);
  return el;
}

// Horizontal bars: [{etiqueta, valor, texto, clase}].
function barras(titulo, filas) {
  const max = Math.max(1, ...filas.map((f) => f.valor));
  const alto = 34 * filas.length + 10;
  const svg = s("svg", { viewBox: `0 0 600 ${alto}`, role: "img", "aria-label": titulo, class: "barras" });
  filas.forEach((f, i) => {
    const y = 10 + i * 34;
    svg.append(
      s("text", { x: 0, y: y + 16, class: "rotulo" }, f.etiqueta),
      s("rect", { x: 200, y, width: Math.max(2, (f.valor / max) * 300), height: 22, class: f.clase || "barra" }),
      s("text", { x: 210 + (f.valor / max) * 300, y: y + 16, class: "cifra" }, f.texto),
    );
  });
  return [svg, h("ul", { class: "solo-lectores" }, filas.map((f) => h("li", {}, `${f.etiqueta}: ${f.texto}`)))];
}

function mostrar(e) {
  $("#resumen").replaceChildren(...[
    ["En poder de la mesa", e.en_poder], ["Pendientes de recibir", e.pendientes_de_recibir],
    ["Vencidos", e.vencidos], [`Estancados (más de ${e.estancados_dias} días)`, e.estancados],
    ["Permanencias medidas", e.permanencias_medidas],
  ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v ?? 0))]));
  const mediana = e.permanencia_mediana_segundos || 0, p90 = e.permanencia_p90_segundos || 0;
  $("#grafico-permanencia").replaceChildren(...barras("Permanencia en la mesa", [
    { etiqueta: "Mediana", valor: mediana, texto: duracion(e.permanencia_mediana_segundos) },
    { etiqueta: "9 de cada 10, menos de", valor: p90, texto: duracion(e.permanencia_p90_segundos) },
  ]), ...barras("Vencidos y estancados", [
    { etiqueta: "Vencidos", valor: e.vencidos || 0, texto: String(e.vencidos || 0), clase: "barra alerta" },
    { etiqueta: "Estancados", valor: e.estancados || 0, texto: String(e.estancados || 0), clase: "barra alerta" },
  ]));
  const semanas = e.por_semana || [];
  $("#grafico-semanas").replaceChildren(...(semanas.length ? barras("Enviados y recibidos por semana", semanas.flatMap((w) => [
    { etiqueta: `Semana ${fecha(w.semana)}: enviados`, valor: w.enviados, texto: String(w.enviados) },
    { etiqueta: `Semana ${fecha(w.semana)}: recibidos`, valor: w.recibidos, texto: String(w.recibidos), clase: "barra otra" },
  ])) : [h("p", {}, "Sin movimientos en el período.")]));
}

const dia = (texto, fin) => (texto ? new Date(`${texto}T${fin ? "23:59:59" : "00:00:00"}`).toISOString() : undefined);

async function cargar(filtros = {}) {
  mostrar(await api("GET", "/api/v1/mesa/estadisticas", {
    params: { desde: dia(filtros.desde), hasta: dia(filtros.hasta, true), mesa_id: filtros.mesa_id },
  }));
}

alEnviar($("#periodo"), (datos) => cargar(valores(datos)));
if (puede(yo, "AUTORIDAD", "ADMIN")) {
  catalogo("mesas").then((m) => $("#mesa_id").append(...m.items.map((x) => h("option", { value: x.id }, x.nombre))));
}
await cargar();
listo();
