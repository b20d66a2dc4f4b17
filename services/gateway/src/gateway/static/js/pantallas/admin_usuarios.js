// Administración: users (create with a provisional password, change profile or desk,
// deactivate or reactivate).
import { api, catalogo } from "../api.js";
import { $, alEnviar, boton, etiqueta, h, iniciarPagina, informar, valores, listo } from "../ui.js";

await iniciarPagina();
let mesas = [];
let consulta = {};

function fila(u) {
  const perfil = h("select", { "aria-label": `Perfil de ${u.usuario}` },
    ...Object.entries({ MESA_ENTRADA: 0, OFICINA: 0, CARGA: 0, CONSULTA: 0, AUTORIDAD: 0, ADMIN: 0 }).map(([c]) =>
      h("option", { value: c, selected: c === u.perfil }, etiqueta("perfil", c))));
  const mesa = h("select", { "aria-label": `Mesa de ${u.usuario}` }, h("option", { value: "" }, "Sin mesa"),
    ...mesas.map((m) => h("option", { value: m.id, selected: m.id === u.mesa_id }, m.nombre)));
  const guardar = async (cambios, texto) => {
    await api("PATCH", `/api/v1/usuarios/${u.id}`, { json: cambios });
    informar(`${u.usuario}: ${texto}.`);
    await cargar();
  };
  return h("tr", {},
    h("td", {}, u.usuario), h("td", {}, u.nombre), h("td", {}, perfil), h("td", {}, mesa),
    h("td", {}, u.activo ? "Activo" : "Inactivo", u.debe_cambiar_password ? h("div", { class: "ayuda" }, "Contraseña provisoria") : null),
    h("td", { class: "acciones-fila" },
      boton("Guardar", () => guardar({ perfil: perfil.value, mesa_id: mesa.value || null }, "cambios guardados")),
      boton(u.activo ? "Desactivar" : "Reactivar", () => guardar({ activo: !u.activo }, u.activo ? "desactivado" : "reactivado"))));
}

async function cargar() {
  const r = await api("GET", "/api/v1/usuarios", { params: { ...consulta, limit: 200 } });
  $("#usuarios").replaceChildren(...r.items.map(fila));
}

alEnviar($("#alta-usuario"), async (datos) => {
  const u = await api("POST", "/api/v1/usuarios", { json: valores(datos) });
  $("#alta-usuario").reset();
  informar(`Usuario ${u.usuario} creado: deberá cambiar la contraseña provisoria al ingresar.`);
  $("#q").value = u.usuario; // the list shows the new user
  consulta = { q: u.usuario };
  await cargar();
});
alEnviar($("#buscar-usuarios"), async (datos) => { consulta = valores(datos); await cargar(); });

mesas = (await catalogo("mesas")).items;
$("#u-mesa").append(...mesas.map((m) => h("option", { value: m.id }, `${m.nombre} (${m.organismo?.nombre || ""})`)));
await cargar();
listo();
