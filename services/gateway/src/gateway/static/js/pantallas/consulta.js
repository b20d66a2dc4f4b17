// Consulta de Expedientes: search with filters, pages by cursor, select for pases múltiples.
import { api, catalogo } from "../api.js";
import { $, $$, alEnviar, etiqueta, fecha, h, iniciarPagina, informar, insignia, puede, valores, listo } from "../ui.js";

const yo = await iniciarPagina();
const envia = puede(yo, "MESA_ENTRADA", "OFICINA");
const form = $("#busqueda");
const cuerpo = $("#resultados tbody");
let filtros = {};
let cursores = [null]; // the cursor of every page shown so far: back is one pop away
const tipos = {};
let ultima = null;

function fila(e) {
  const enviable = envia && e.mesa_actual_id === yo.mesa_id && e.estado === "EN_TRAMITE";
  const enlace = `/ui/expedientes/${e.id}`;
  return h("tr", {},
    envia && h("td", { class: "col-seleccion" },
      enviable && h("input", { type: "checkbox", name: "seleccion", value: e.id, "aria-label": `Seleccionar ${e.referencia}` })),
    h("td", {}, h("a", { href: enlace }, e.referencia)),
    h("td", { class: "extracto" }, e.extracto),
    h("td", {}, tipos[e.tipo] || e.tipo),
    h("td", {}, etiqueta("caracter", e.caracter)),
    h("td", {}, insignia("estado", e.estado)),
    h("td", {}, fecha(e.creado_en)),
    h("td", { class: "acciones-fila" },
      h("a", { href: enlace, "aria-label": `Ver ${e.referencia}` }, "Ver"),
      enviable && h("a", { href: `/ui/pases?ids=${e.id}`, "aria-label": `Pase de ${e.referencia}` }, "Pase")),
  );
}

async function cargar() {
  informar("Buscando…");
  const cursor = cursores.at(-1);
  ultima = await api("GET", "/api/v1/expedientes", { params: { ...filtros, cursor, limit: 50 } });
  mostrar(ultima);
  informar("");
}

function mostrar(pagina) {
  const filas = pagina.items.map(fila);
  cuerpo.replaceChildren(...(filas.length ? filas : [h("tr", {}, h("td", { colspan: 8 }, "No hay expedientes con esos datos."))]));
  const mas = pagina.next_cursor ? " (hay más en la página siguiente)" : "";
  $("#encontrados").textContent = `EXPEDIENTES ENCONTRADOS: ${pagina.items.length}${mas}`;
  $("#siguiente").disabled = !pagina.next_cursor;
  $("#siguiente").dataset.cursor = pagina.next_cursor || "";
  $("#anterior").disabled = cursores.length < 2;
}

alEnviar(form, async (datos) => {
  filtros = valores(datos, ["anio", "mes"]);
  cursores = [null];
  await cargar();
});
$("#actualizar").addEventListener("click", () => cargar());
$("#siguiente").addEventListener("click", () => { cursores.push($("#siguiente").dataset.cursor); cargar(); });
$("#anterior").addEventListener("click", () => { cursores.pop(); cargar(); });
$("#pases-multiples").addEventListener("click", () => {
  const ids = $$("input[name=seleccion]:checked").map((c) => c.value);
  location.assign(ids.length ? `/ui/pases?ids=${ids.join(",")}` : "/ui/pases");
});

const [tiposDelCatalogo] = await Promise.all([catalogo("tipos"), cargar()]);
for (const t of tiposDelCatalogo.items) {
  tipos[t.codigo] = t.nombre;
  $("#tipo").append(h("option", { value: t.codigo }, t.nombre));
}
if (ultima) mostrar(ultima); // again, with the tipos' names
listo();
