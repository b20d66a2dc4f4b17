// Administración: deletion, pase reversal, account and correction requests to decide.
import { api, catalogo, ErrorApi } from "../api.js";
import { $, boton, etiqueta, fechaHora, h, iniciarPagina, informar, mostrarError, listo } from "../ui.js";

await iniciarPagina();
let mesas = [];

// One request with its two decisions; rejecting asks for a reason in place.
function decision(titulo, lineas, { aprobar, rechazar, motivoObligatorio = false, extra = null }) {
  const motivo = h("input", { name: "motivo", "aria-label": `Motivo de la decisión sobre ${titulo}` });
  const form = h("form", { class: "decision", novalidate: true }, h("div", { class: "campo" }, motivo));
  const decidir = async (accion, nombre) => {
    try {
      await accion(motivo.value.trim() || undefined);
      informar(`${titulo}: ${nombre}.`);
      await cargar();
    } catch (error) {
      mostrarError(form, error);
    }
  };
  const li = h("li", {},
    h("p", {}, h("strong", {}, titulo)), ...lineas.filter(Boolean).map((l) => h("p", {}, l)), extra,
    h("p", { class: "ayuda" }, motivoObligatorio ? "Motivo (obligatorio para rechazar):" : "Motivo (opcional):"), form,
    h("div", { class: "acciones" },
      boton(`Aprobar ${titulo}`, () => decidir(aprobar, "aprobada"), ""),
      boton(`Rechazar ${titulo}`, () => {
        if (motivoObligatorio && !motivo.value.trim()) {
          mostrarError(form, new ErrorApi(422, "Indique el motivo del rechazo.", [{ campo: "motivo", mensaje: "Indique el motivo del rechazo." }]));
          return;
        }
        return decidir(rechazar, "rechazada");
      })));
  return li;
}

const vacia = (texto) => [h("li", {}, texto)];

async function leerOpcional(ruta) {
  try { return await api("GET", ruta, { params: { estado: "PENDIENTE" } }); } catch (e) {
    if (e instanceof ErrorApi && e.status === 404) return null;
    throw e;
  }
}

async function cargar() {
  const [bajas, reversiones, cuentas, correcciones] = await Promise.all([
    api("GET", "/api/v1/solicitudes-baja", { params: { estado: "PENDIENTE" } }),
    api("GET", "/api/v1/solicitudes-reversion", { params: { estado: "PENDIENTE" } }),
    api("GET", "/api/v1/solicitudes-cuenta", { params: { estado: "PENDIENTE" } }),
    leerOpcional("/api/v1/correcciones"),
  ]);
  const post = (ruta) => (motivo) => api("POST", ruta, { json: motivo ? { motivo } : {} });
  $("#bajas").replaceChildren(...(bajas.items.length ? bajas.items.map((s) => decision(`Baja de ${s.referencia}`, [
    `Motivo: ${s.motivo}`, `Pedida por ${s.solicitada_por} el ${fechaHora(s.solicitada_en)}`,
  ], { aprobar: post(`/api/v1/solicitudes-baja/${s.id}/aprobar`), rechazar: post(`/api/v1/solicitudes-baja/${s.id}/rechazar`),
    extra: h("p", {}, h("a", { href: `/ui/expedientes/${s.expediente_id}` }, "Ver el expediente")) })) : vacia("No hay solicitudes de baja pendientes.")));
  $("#reversiones").replaceChildren(...(reversiones.items.length ? reversiones.items.map((s) => decision("Reversión de pase", [
    `Motivo: ${s.motivo}`, `Pedida por ${s.solicitada_por} el ${fechaHora(s.solicitada_en)}`,
  ], { aprobar: post(`/api/v1/solicitudes-reversion/${s.id}/aprobar`), rechazar: post(`/api/v1/solicitudes-reversion/${s.id}/rechazar`),
    extra: h("p", {}, h("a", { href: `/ui/expedientes/${s.expediente_id}` }, "Ver el expediente")) })) : vacia("No hay solicitudes de reversión pendientes.")));
  $("#cuentas").replaceChildren(...(cuentas.items.length ? cuentas.items.map((s) => {
    const mesa = h("select", { "aria-label": `Mesa para ${s.nombre}` }, h("option", { value: "" }, "Sin mesa"),
      ...mesas.map((m) => h("option", { value: m.id }, `${m.nombre} (${m.organismo?.nombre || ""})`)));
    return decision(`Cuenta de ${s.nombre}`, [
      `${s.email} · ${s.organismo} · ${s.area}`, `Perfil pedido: ${etiqueta("perfil", s.perfil)} · ${fechaHora(s.creada_en)}`,
    ], { motivoObligatorio: true, extra: h("label", {}, "Mesa asignada ", mesa),
      aprobar: () => api("POST", `/api/v1/solicitudes-cuenta/${s.id}/aprobar`, { json: mesa.value ? { mesa_id: mesa.value } : {} }),
      rechazar: (motivo) => api("POST", `/api/v1/solicitudes-cuenta/${s.id}/rechazar`, { json: { motivo } }) });
  }) : vacia("No hay solicitudes de cuenta pendientes.")));
  $("#seccion-correcciones").hidden = !correcciones;
  if (correcciones) {
    $("#correcciones").replaceChildren(...(correcciones.items.length ? correcciones.items.map((c) => decision("Corrección de fojas y tomos", [
      `Fojas: ${c.fojas_anterior ?? "—"} → ${c.fojas ?? "sin cambio"} · Tomos: ${c.tomos_anterior ?? "—"} → ${c.tomos ?? "sin cambio"}`, `Motivo: ${c.motivo}`,
    ], { aprobar: post(`/api/v1/correcciones/${c.id}/aprobar`), rechazar: post(`/api/v1/correcciones/${c.id}/rechazar`),
      extra: h("p", {}, h("a", { href: `/ui/expedientes/${c.expediente_id}` }, "Ver el expediente")) })) : vacia("No hay correcciones pendientes.")));
  }
}

mesas = (await catalogo("mesas")).items;
await cargar();
listo();
