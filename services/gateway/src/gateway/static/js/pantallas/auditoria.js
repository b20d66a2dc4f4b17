// Auditoría (ADMIN, AUTORIDAD): who did or viewed what, by expediente and user; the chain's
// verification (ADMIN); the selection as CSV.
import { api, ErrorApi } from "../api.js";
import { $, alEnviar, descargar, etiqueta, fechaHora, h, iniciarPagina, puede, valores, listo } from "../ui.js";

const yo = await iniciarPagina();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let filtros = {};
let cursor = null;

async function expedienteId(texto) {
  if (!texto || UUID.test(texto)) return texto || undefined;
  const r = await api("GET", "/api/v1/expedientes", { params: { q: texto, limit: 20 } });
  const e = r.items.find((x) => x.referencia === texto);
  if (!e) throw new ErrorApi(422, "Revise los filtros.", [{ campo: "expediente_id", mensaje: "No se encontró un expediente con ese número." }]);
  return e.id;
}

async function usuarioId(texto) {
  if (!texto || UUID.test(texto)) return texto || undefined;
  const error = new ErrorApi(422, "Revise los filtros.", [{ campo: "usuario_id", mensaje: puede(yo, "ADMIN")
    ? "No se encontró ese usuario." : "Escriba el identificador del usuario." }]);
  if (!puede(yo, "ADMIN")) throw error;
  const r = await api("GET", "/api/v1/usuarios", { params: { q: texto } });
  const u = r.items.find((x) => x.usuario === texto || x.email === texto) || (r.items.length === 1 ? r.items[0] : null);
  if (!u) throw error;
  return u.id;
}

const fila = (r) => h("tr", {},
  h("td", {}, fechaHora(r.en)),
  h("td", {}, r.usuario?.usuario || "—"),
  h("td", {}, etiqueta("accion", r.accion), h("div", { class: "ayuda" }, r.accion)),
  h("td", {}, r.resultado || "—"),
  h("td", {}, r.expediente_id ? h("a", { href: `/ui/expedientes/${r.expediente_id}` }, "Ver expediente") : "—"),
  h("td", {}, r.ip || "—"));

async function consultar(desdeCero) {
  const pagina = await api("GET", "/api/v1/auditoria", { params: { ...filtros, cursor: desdeCero ? null : cursor, limit: 100 } });
  const filas = pagina.items.map(fila);
  if (desdeCero) $("#registros").replaceChildren(...(filas.length ? filas : [h("tr", {}, h("td", { colspan: 6 }, "No hay registros con esos filtros."))]));
  else $("#registros").append(...filas);
  cursor = pagina.next_cursor;
  $("#mas").hidden = !cursor;
}

const dia = (texto, fin) => (texto ? new Date(`${texto}T${fin ? "23:59:59" : "00:00:00"}`).toISOString() : undefined);

alEnviar($("#filtros"), async (datos) => {
  const v = valores(datos);
  filtros = {
    expediente_id: await expedienteId(v.expediente), usuario_id: await usuarioId(v.usuario),
    accion: v.accion, desde: dia(v.desde), hasta: dia(v.hasta, true),
  };
  await consultar(true);
});
$("#mas").addEventListener("click", () => consultar(false));
$("#exportar").addEventListener("click", () => descargar(`/api/v1/auditoria/exportar?${new URLSearchParams(Object.entries(filtros).filter(([, x]) => x))}`, "auditoria.csv"));
$("#verificar").addEventListener("click", async () => {
  $("#verificacion").textContent = "Verificando…";
  const r = await api("GET", "/api/v1/auditoria/verificacion");
  $("#verificacion").textContent = r.ok
    ? `La cadena está íntegra: ${r.registros} registros verificados.`
    : `La cadena NO está íntegra (${r.registros} registros): ${r.primer_error || "hay registros pendientes de encadenar"}.`;
  $("#verificacion").className = r.ok ? "exito" : "alerta";
});
await consultar(true);
listo();
