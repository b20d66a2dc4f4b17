// The route as a timeline: each desk with its dates, dwell time, plazo and discrepancies; the
// reversal request of the last pase sent by this desk.
import { api } from "../api.js";
import { $, alEnviar, boton, duracion, etiqueta, fechaHora, h, informar, insignia, puede, valores } from "../ui.js";

let paseARevertir = null;

function tramo(p) {
  const destino = p.mesa_destino_nombre || "Mesa de destino";
  const origen = p.mesa_origen_nombre || "mesa de origen";
  const vencido = p.vence_en && !p.recibido_en && new Date(p.vence_en) < new Date();
  return h("li", { class: `tramo pase-${(p.estado || "").toLowerCase()}` },
    h("div", { class: "tramo-cabeza" }, h("strong", {}, destino), " ", insignia("estado_pase", p.estado)),
    h("p", {}, `Desde ${origen} · enviado ${fechaHora(p.enviado_en)} · ${etiqueta("permiso", p.permiso)}`),
    p.recibido_en && h("p", {}, `Recibido ${fechaHora(p.recibido_en)}`),
    p.permanencia_segundos !== null && p.permanencia_segundos !== undefined &&
      h("p", {}, `Permanencia: ${duracion(p.permanencia_segundos)}${p.permanencia_en_curso ? " (en curso)" : ""}`),
    (p.fojas_agregadas || p.tomos_agregados) ? h("p", {}, `Agregó ${p.fojas_agregadas} fojas y ${p.tomos_agregados} tomos`) : null,
    p.plazo_dias_habiles && h("p", { class: vencido ? "alerta" : "" },
      `Plazo: ${p.plazo_dias_habiles} días hábiles (vence ${fechaHora(p.vence_en)})${vencido ? " — VENCIDO" : ""}`),
    p.discrepancia && h("p", { class: "alerta" }, `Discrepancia: ${p.discrepancia}`),
    p.motivo_rechazo && h("p", {}, `Motivo del rechazo: ${p.motivo_rechazo}`),
    p.motivo_reversion && h("p", {}, `Motivo de la reversión: ${p.motivo_reversion}`),
    p.observaciones && h("p", {}, `Observaciones: ${p.observaciones}`),
  );
}

export function mostrarRecorrido({ yo, detalle, recargar }) {
  const e = detalle.expediente;
  const pases = detalle.pases || [];
  const mesaInicial = pases.length ? pases[0].mesa_origen_nombre : e.mesa_actual?.nombre;
  const inicio = h("li", { class: "tramo" },
    h("div", { class: "tramo-cabeza" }, h("strong", {}, "Inicio"), " "),
    h("p", {}, `Alta ${fechaHora(e.creado_en)}${mesaInicial ? ` en ${mesaInicial}` : ""}`));
  const items = [inicio, ...pases.map(tramo)];
  if ((detalle.incompletos || []).includes("pases")) items.push(h("li", { class: "tramo" }, "El recorrido todavía no está disponible; se actualiza en unos segundos."));
  $("#recorrido").replaceChildren(...items);

  const ultimo = pases.at(-1);
  const revertible = ultimo && puede(yo, "MESA_ENTRADA", "OFICINA") && ultimo.mesa_origen_id === yo.mesa_id &&
    ["PENDIENTE", "RECIBIDO"].includes(ultimo.estado);
  paseARevertir = revertible ? ultimo.id : null;
  if (revertible) {
    $("#recorrido").lastChild.append(boton("Solicitar reversión", () => {
      $("#reversion").hidden = false;
      $("#rev-motivo").focus();
    }));
  }
  const form = $("#reversion");
  if (!form.dataset.listo) {
    form.dataset.listo = "1";
    alEnviar(form, async (datos) => {
      await api("POST", `/api/v1/pases/${paseARevertir}/solicitudes-reversion`, { json: valores(datos) });
      form.hidden = true;
      form.reset();
      informar("Solicitud de reversión enviada: Administración la decidirá.");
      await recargar();
    });
  }
}
