// Shared page helpers: building DOM (text only, never HTML from data), labels, dates, notices,
// errors next to their fields, the session check and the menu of the signed-in user.
import { api, cerrarSesion, ErrorApi, guardarSesion, sesion } from "./api.js";

const ETIQUETAS = JSON.parse(document.getElementById("etiquetas")?.textContent || "{}");

export const $ = (selector, raiz = document) => raiz.querySelector(selector);
export const $$ = (selector, raiz = document) => [...raiz.querySelectorAll(selector)];

// h("a", {href: "/x", class: "b", onclick: f}, "text", child): event handlers are listeners.
export function h(tag, props = {}, ...hijos) {
  const el = document.createElement(tag);
  for (const [clave, valor] of Object.entries(props || {})) {
    if (valor === undefined || valor === null || valor === false) continue;
    if (clave.startsWith("on")) el.addEventListener(clave.slice(2), valor);
    else if (clave === "class") el.className = valor;
    else if (clave === "text") el.textContent = valor;
    else if (clave in el && typeof valor !== "string") el[clave] = valor;
    else el.setAttribute(clave, valor === true ? "" : valor);
  }
  for (const hijo of hijos.flat()) {
    if (hijo === undefined || hijo === null || hijo === false) continue;
    el.append(hijo instanceof Node ? hijo : document.createTextNode(String(hijo)));
  }
  return el;
}

export const etiqueta = (tipo, codigo) => (codigo ? ETIQUETAS[tipo]?.[codigo] || codigo : "—");

// A code of any kind (estado, permiso, perfil...) by its label; other text as it is.
export function etiquetaDe(texto) {
  for (const tabla of Object.values(ETIQUETAS)) if (tabla[texto]) return tabla[texto];
  return texto;
}

export function insignia(tipo, codigo) {
  return h("span", { class: `insignia ${tipo}-${(codigo || "").toLowerCase()}` }, etiqueta(tipo, codigo));
}

const FECHA = new Intl.DateTimeFormat("es-AR", { dateStyle: "short" });
const FECHA_HORA = new Intl.DateTimeFormat("es-AR", { dateStyle: "short", timeStyle: "short" });
export const fecha = (iso) => (iso ? FECHA.format(new Date(iso)) : "—");
export const fechaHora = (iso) => (iso ? FECHA_HORA.format(new Date(iso)) : "—");

export function duracion(segundos) {
  if (segundos === null || segundos === undefined) return "—";
  const s = Math.max(0, Math.round(segundos));
  const d = Math.floor(s / 86400), hs = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${hs} h`;
  if (hs) return `${hs} h ${m} min`;
  return m ? `${m} min` : "menos de 1 min";
}

export function avisar(mensaje, tipo = "error") {
  const aviso = $("#aviso");
  aviso.textContent = mensaje;
  aviso.className = `aviso ${tipo}`;
  aviso.hidden = !mensaje;
  if (mensaje) aviso.scrollIntoView({ block: "nearest" });
}

export function informar(mensaje) {
  $("#estado").textContent = mensaje;
}

export function limpiarErrores(form) {
  for (const p of $$(".error-campo", form)) p.remove();
  for (const el of $$("[aria-invalid]", form)) {
    el.removeAttribute("aria-invalid");
    el.setAttribute("aria-describedby", el.dataset.ayuda || "");
  }
  avisar("");
}

function campoDe(form, campo) {
  const partes = campo.split(".");
  for (let i = 0; i < partes.length; i += 1) {
    const nombre = partes.slice(i).join(".");
    const el = form.querySelector(`[name="${CSS.escape(nombre)}"], [data-campo="${CSS.escape(nombre)}"]`);
    if (el) return el;
  }
  return null;
}

// The service's Spanish messages: each next to its field, the rest (and the detail) on top.
export function mostrarError(form, error) {
  const texto = error instanceof ErrorApi ? error.detail : "Ocurrió un error inesperado. Intente de nuevo.";
  let primero = null;
  const sueltos = [];
  for (const { campo, mensaje } of error?.errors || []) {
    const el = form ? campoDe(form, campo) : null;
    if (!el) { sueltos.push(mensaje); continue; }
    const id = `error-${el.id || el.name}`;
    if (!document.getElementById(id)) {
      el.dataset.ayuda ??= el.getAttribute("aria-describedby") || "";
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", `${el.dataset.ayuda} ${id}`.trim());
      el.closest(".campo, td, fieldset")?.append(h("p", { class: "error-campo", id }, mensaje));
    }
    primero ??= el;
  }
  avisar(primero && !sueltos.length ? "Revise los campos marcados." : [texto, ...sueltos].join(" "));
  (primero || $("#aviso")).focus?.();
}

// A form's submit: its button disabled meanwhile, errors shown where they belong.
export function alEnviar(form, accion) {
  form.addEventListener("submit", async (evento) => {
    evento.preventDefault();
    const boton = evento.submitter || form.querySelector("button[type=submit]");
    limpiarErrores(form);
    if (boton) boton.disabled = true;
    try {
      await accion(new FormData(form), boton);
    } catch (error) {
      mostrarError(form, error);
    } finally {
      if (boton) boton.disabled = false;
    }
  });
  // antes.js holds what was sent before this line, and sends it now.
  form.dataset.atendido = "1";
  form.dispatchEvent(new Event("sigexp-atendido", { bubbles: true }));
}

export function valores(datos, enteros = []) {
  const cuerpo = {};
  for (const [clave, valor] of datos.entries()) {
    if (typeof valor !== "string" || valor.trim() === "") continue;
    cuerpo[clave] = enteros.includes(clave) && /^\d+$/.test(valor.trim()) ? Number(valor) : valor.trim();
  }
  return cuerpo;
}

function guardarBlob(blob, nombre) {
  const url = URL.createObjectURL(blob);
  const enlace = h("a", { href: url, download: nombre, hidden: true });
  document.body.append(enlace);
  enlace.click();
  enlace.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function descargar(ruta, nombre) {
  guardarBlob(await api("GET", ruta, { como: "blob" }), nombre);
}

export async function abrir(ruta) {
  const url = URL.createObjectURL(await api("GET", ruta, { como: "blob" }));
  if (!window.open(url, "_blank", "noopener")) location.assign(url);
}

export function boton(texto, accion, clase = "secundario") {
  return h("button", { type: "button", class: clase, onclick: accion }, texto);
}

export const puede = (yo, ...perfiles) => perfiles.includes(yo?.perfil);

// Every private page starts here: the session (else the login page), the forced password
// change, the menu for this profile. Resolves to the user (`/auth/me`, cached for the session).
export async function iniciarPagina() {
  const actual = sesion();
  if (!actual?.access_token) {
    location.replace(`/?volver=${encodeURIComponent(location.pathname + location.search)}`);
    return new Promise(() => {});
  }
  let yo = actual.yo;
  if (!yo) {
    yo = await api("GET", "/api/v1/auth/me");
    guardarSesion({ yo });
  }
  if (yo.debe_cambiar_password && location.pathname !== "/ui/cambiar-password") {
    location.replace("/ui/cambiar-password");
    return new Promise(() => {});
  }
  for (const item of $$("[data-perfiles]")) item.hidden = !item.dataset.perfiles.split(" ").includes(yo.perfil);
  for (const enlace of $$(".menu a")) {
    if (enlace.getAttribute("href") === location.pathname) enlace.setAttribute("aria-current", "page");
  }
  const mesa = yo.mesa?.nombre ? ` · ${yo.mesa.nombre}` : "";
  $("#usuario-actual").textContent = `${yo.nombre} (${etiqueta("perfil", yo.perfil)})${mesa}`;
  $("#salir").addEventListener("click", async () => {
    try {
      await api("POST", "/api/v1/auth/logout", { json: { refresh_token: sesion()?.refresh_token } });
    } catch { /* leaving anyway */ }
    cerrarSesion();
    location.assign("/");
  });
  return yo;
}

window.addEventListener("unhandledrejection", (evento) => {
  evento.preventDefault();
  const error = evento.reason;
  avisar(error instanceof ErrorApi ? error.detail : "Ocurrió un error inesperado. Intente de nuevo.");
});

// The screen has its data: marked for the browser's own timing (performance.mark) and tests.
export function listo() {
  performance.mark("sigexp-lista");
  document.documentElement.dataset.listo = "1";
}
