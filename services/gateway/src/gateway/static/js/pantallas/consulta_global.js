// Consulta Global: PUBLICO expedientes of every organismo, as summaries with where they are now.
import { api } from "../api.js";
import { $, alEnviar, fecha, h, iniciarPagina, insignia, valores, listo } from "../ui.js";

await iniciarPagina();
let consulta = {};
let cursor = null;
let total = 0;

function fila(r) {
  return h("tr", {},
    h("td", {}, h("a", { href: `/ui/expedientes/${r.id}` }, r.referencia)),
    h("td", {}, r.extracto),
    h("td", {}, insignia("estado", r.estado)),
    h("td", {}, [r.mesa_actual?.nombre, r.organismo?.nombre].filter(Boolean).join(" — ") || "—"),
    h("td", {}, fecha(r.creado_en)),
  );
}

async function buscar(desdeCero) {
  const pagina = await api("GET", "/api/v1/consulta-global", { params: { ...consulta, cursor: desdeCero ? null : cursor, limit: 50 } });
  const filas = pagina.items.map(fila);
  total = desdeCero ? filas.length : total + filas.length;
  if (desdeCero) $("#resultados").replaceChildren(...filas);
  else $("#resultados").append(...filas);
  if (!total) $("#resultados").replaceChildren(h("tr", {}, h("td", { colspan: 5 }, "No se encontraron expedientes públicos con esos datos.")));
  $("#encontrados").textContent = `EXPEDIENTES ENCONTRADOS: ${total}`;
  cursor = pagina.next_cursor;
  $("#mas").hidden = !cursor;
}

alEnviar($("#global"), async (datos) => {
  consulta = valores(datos);
  await buscar(true);
});
$("#mas").addEventListener("click", () => buscar(false));
$("#q").focus();
listo();
