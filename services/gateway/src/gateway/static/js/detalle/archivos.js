// Archivos: thumbnails and processing state, several uploads at once with a progress bar each,
// a new version, downloads of every version. Processing results are polled until final.
import { api, ErrorApi, subir } from "../api.js";
import { $, alEnviar, boton, descargar, fechaHora, h, informar, insignia, puede } from "../ui.js";

let contextoActual = null;
let reemplazando = null;
let sondeo = null;
const miniaturas = new Map(); // "id:version" -> data: URL (CSP allows data: images)

const tamanio = (b) => (b >= 1048576 ? `${(b / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(b / 1024))} KB`);

async function miniatura(archivo) {
  const clave = `${archivo.id}:${archivo.version}`;
  if (!miniaturas.has(clave)) {
    const blob = await api("GET", `/api/v1/archivos/${archivo.id}/miniatura`, { como: "blob" });
    miniaturas.set(clave, await new Promise((listo) => {
      const lector = new FileReader();
      lector.addEventListener("load", () => listo(lector.result));
      lector.readAsDataURL(blob);
    }));
  }
  return h("img", { src: miniaturas.get(clave), alt: `Miniatura de ${archivo.nombre}`, width: 96, height: 128, class: "miniatura" });
}

async function item(a, yo) {
  const ultima = (a.versiones || []).at(-1);
  const lista = a.estado_procesamiento === "LISTO" && (ultima?.miniatura_disponible ?? true);
  const imagen = lista ? await miniatura(a).catch(() => null) : null;
  const versiones = (a.versiones || []).filter((v) => v.version !== a.version);
  return h("li", { class: "archivo" },
    imagen || h("div", { class: "miniatura vacia", "aria-hidden": "true" }, "Sin vista previa"),
    h("div", {},
      h("p", {}, h("strong", {}, a.nombre), ` · versión ${a.version} · ${tamanio(a.tamanio)}`),
      a.descripcion && h("p", {}, a.descripcion),
      h("p", {}, insignia("procesamiento", a.estado_procesamiento),
        a.paginas ? ` ${a.paginas} ${a.paginas === 1 ? "página" : "páginas"}` : "",
        a.error_procesamiento ? ` — ${a.error_procesamiento}` : ""),
      h("p", { class: "ayuda" }, `Subido ${fechaHora(a.creado_en)}`),
      h("div", { class: "acciones" },
        boton(`Descargar ${a.nombre}`, () => descargar(`/api/v1/archivos/${a.id}/contenido`, a.nombre)),
        puede(yo, "CARGA") && boton("Nueva versión", () => { reemplazando = a; $("#nueva-version").click(); })),
      versiones.length ? h("details", {}, h("summary", {}, "Versiones anteriores"),
        h("ul", {}, versiones.map((v) => h("li", {}, `Versión ${v.version} · ${v.nombre} · ${fechaHora(v.subido_en)} `,
          boton("Descargar", () => descargar(`/api/v1/archivos/${a.id}/versiones/${v.version}/contenido`, v.nombre)))))) : null,
    ));
}

export async function mostrarArchivos(contexto, pedir = false) {
  contextoActual = contexto;
  const { yo, id, detalle } = contexto;
  let archivos = detalle.archivos || [];
  if (pedir) archivos = (await api("GET", `/api/v1/expedientes/${id}/archivos`)).items;
  const items = await Promise.all(archivos.map((a) => item(a, yo)));
  $("#archivos").replaceChildren(...(items.length ? items : [h("li", {}, "El expediente no tiene archivos.")]));
  $("#subida").hidden = !puede(yo, "CARGA");
  clearTimeout(sondeo);
  if (archivos.some((a) => ["PENDIENTE", "PROCESANDO"].includes(a.estado_procesamiento))) {
    sondeo = setTimeout(() => mostrarArchivos(contextoActual, true), 2000);
  }
}

async function subirUno(metodo, ruta, archivo, descripcion) {
  const barra = h("progress", { max: 100, value: 0, "aria-label": `Progreso de ${archivo.name}` });
  const fila = h("li", {}, `${archivo.name} `, barra);
  $("#progresos").append(fila);
  const form = new FormData();
  form.append("archivo", archivo);
  if (descripcion) form.append("descripcion", descripcion);
  try {
    await subir(metodo, ruta, form, (parte) => { barra.value = Math.round(parte * 100); });
    barra.value = 100;
    fila.append(" — subido");
  } catch (error) {
    fila.append(h("span", { class: "error-campo" }, ` — ${error.detail || "no se pudo subir"}`));
    throw error;
  }
}

alEnviar($("#subida"), async (datos) => {
  const archivos = datos.getAll("archivo").filter((a) => a.size || a.name);
  if (!archivos.length) {
    throw new ErrorApi(422, "Elija al menos un archivo.", [{ campo: "archivo", mensaje: "Elija al menos un archivo." }]);
  }
  $("#progresos").replaceChildren();
  const ruta = `/api/v1/expedientes/${contextoActual.id}/archivos`;
  let fallas = 0;
  for (const archivo of archivos) {
    await subirUno("POST", ruta, archivo, datos.get("descripcion")).catch(() => { fallas += 1; });
  }
  $("#subida").reset();
  informar(fallas ? `${fallas} de ${archivos.length} archivos no se pudieron subir.` : `Archivos subidos: ${archivos.length}.`);
  await mostrarArchivos(contextoActual, true);
});

$("#nueva-version").addEventListener("change", async (evento) => {
  const archivo = evento.target.files[0];
  if (!archivo || !reemplazando) return;
  $("#progresos").replaceChildren();
  await subirUno("PUT", `/api/v1/archivos/${reemplazando.id}`, archivo);
  evento.target.value = "";
  informar(`Nueva versión de ${reemplazando.nombre} subida.`);
  await mostrarArchivos(contextoActual, true);
});
