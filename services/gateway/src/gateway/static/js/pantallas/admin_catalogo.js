// Administración: catalogue and holiday imports, with the error report of a rejected file.
import { api, ErrorApi } from "../api.js";
import { $, alEnviar, fecha, h, iniciarPagina, informar, listo } from "../ui.js";

await iniciarPagina();

function informe(destino, error) {
  $(destino).replaceChildren(h("p", { class: "alerta" }, error.detail),
    ...(error.errors?.length ? [h("ul", {}, error.errors.map((e) => h("li", {}, `${e.campo}: ${e.mensaje}`)))] : []));
}

function importador(formulario, ruta, destino, resumen) {
  alEnviar($(formulario), async (datos) => {
    if (!datos.get("archivo")?.size) {
      throw new ErrorApi(422, "Elija un archivo.", [{ campo: "archivo", mensaje: "Elija un archivo CSV o YAML." }]);
    }
    const cuerpo = new FormData();
    cuerpo.append("archivo", datos.get("archivo"));
    try {
      const r = await api("POST", ruta, { form: cuerpo });
      for (const c of ["tipos", "organismos", "mesas", "dependencias"]) sessionStorage.removeItem(`sigexp.catalogo.${c}`);
      $(destino).replaceChildren(h("p", { class: "exito" }, resumen(r)));
      informar("Importación terminada.");
      $(formulario).reset();
      await mostrarVigente();
    } catch (error) {
      if (error instanceof ErrorApi) informe(destino, error);
      throw error;
    }
  });
}

importador("#importar-catalogo", "/api/v1/catalogo/importar", "#informe-catalogo",
  (r) => `Importado (${r.formato}): ${r.creados} nuevos, ${r.actualizados} actualizados, ${r.sin_cambios} sin cambios.`);
importador("#importar-feriados", "/api/v1/catalogo/feriados/importar", "#informe-feriados",
  (r) => `Feriados importados (${r.formato}): ${["creados", "actualizados", "sin_cambios"].map((k) => `${r[k] ?? 0} ${k.replace("_", " ")}`).join(", ")}.`);

async function mostrarVigente() {
  const [organismos, mesas, tipos, feriados] = await Promise.all(
    ["organismos", "mesas", "tipos", "feriados"].map((c) => api("GET", `/api/v1/catalogo/${c}`)));
  const lista = (titulo, items) => [h("h3", {}, `${titulo} (${items.length})`), h("ul", { class: "columnas" }, items.map((t) => h("li", {}, t)))];
  $("#vigente").replaceChildren(
    ...lista("Organismos", organismos.items.map((o) => `${o.codigo} — ${o.nombre}`)),
    ...lista("Mesas", mesas.items.map((m) => `${m.nombre}${m.es_oficina ? " (oficina)" : ""}`)),
    ...lista("Tipos", tipos.items.map((t) => t.nombre)),
    ...lista("Feriados", feriados.items.map((f) => `${fecha(`${f.fecha}T12:00:00`)} — ${f.nombre}`)),
  );
}
await mostrarVigente();
listo();
