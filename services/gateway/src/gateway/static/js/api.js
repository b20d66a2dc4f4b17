// Every call of the UI goes through here: /api/v1 with the session's access token (kept in
// sessionStorage), one refresh on a 401, quiet retries while a route says "ask again"
// (409/429/503 with Retry-After), and errors turned into ErrorApi with the service's Spanish text.

const CLAVE = "sigexp.sesion";
const GENERICOS = {
  0: "No se pudo conectar con el servidor. Revise la conexión e intente de nuevo.",
  400: "La solicitud no es válida.",
  401: "Su sesión terminó. Ingrese de nuevo.",
  403: "Su perfil no permite esta acción.",
  404: "No se encontró lo solicitado.",
  409: "El estado actual no permite esta acción.",
  413: "El archivo es demasiado grande.",
  415: "El tipo de archivo no está permitido.",
  422: "Revise los datos ingresados.",
  429: "Demasiados intentos. Espere un momento e intente de nuevo.",
};

export class ErrorApi extends Error {
  constructor(status, detail, errors = []) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

export function sesion() {
  try {
    return JSON.parse(sessionStorage.getItem(CLAVE));
  } catch {
    return null;
  }
}

export function guardarSesion(datos) {
  sessionStorage.setItem(CLAVE, JSON.stringify({ ...(sesion() || {}), ...datos }));
}

export function cerrarSesion() {
  sessionStorage.clear(); // the tokens and the catalogue kept for this tab
}

const espera = (ms) => new Promise((listo) => setTimeout(listo, ms));
let refresco = null;

async function refrescar() {
  const actual = sesion();
  if (!actual?.refresh_token) return false;
  refresco ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: actual.refresh_token }),
  })
    .then(async (r) => {
      if (!r.ok) return false;
      const tokens = await r.json();
      guardarSesion({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
      return true;
    })
    .catch(() => false)
    .finally(() => { refresco = null; });
  return refresco;
}

export async function errorDe(respuesta) {
  let detail = GENERICOS[respuesta.status] || "El servidor no pudo completar la operación. Intente de nuevo.";
  let errors = [];
  if ((respuesta.headers.get("Content-Type") || "").includes("json")) {
    try {
      const cuerpo = await respuesta.json();
      if (typeof cuerpo?.detail === "string" && cuerpo.detail) detail = cuerpo.detail;
      if (Array.isArray(cuerpo?.errors)) {
        errors = cuerpo.errors.filter((e) => typeof e?.campo === "string" && typeof e?.mensaje === "string");
      }
    } catch { /* not JSON after all: keep the generic text */ }
  }
  return new ErrorApi(respuesta.status, detail, errors);
}

function conParametros(ruta, params) {
  if (!params) return ruta;
  const limpios = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return limpios.length ? `${ruta}?${new URLSearchParams(limpios)}` : ruta;
}

function aIngreso() {
  cerrarSesion();
  location.assign(`/?volver=${encodeURIComponent(location.pathname + location.search)}`);
}

// `como`: "json" (default), "blob" or "respuesta"; `json` or `form` is the body.
export async function api(metodo, ruta, { json, form, params, como = "json", reintentos = 15 } = {}) {
  const url = conParametros(ruta, params);
  const escritura = metodo !== "GET";
  const clave = escritura ? crypto.randomUUID() : null; // same key on every retry of this call
  let refrescado = false;
  for (let intento = 0; ; intento += 1) {
    const headers = { Accept: "application/json, application/problem+json" };
    const token = sesion()?.access_token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (clave) headers["Idempotency-Key"] = clave;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    let respuesta;
    try {
      respuesta = await fetch(url, { method: metodo, headers, body });
    } catch {
      throw new ErrorApi(0, GENERICOS[0]);
    }
    if (respuesta.status === 401 && token && !refrescado) {
      refrescado = true;
      if (await refrescar()) continue;
      aIngreso();
      throw new ErrorApi(401, GENERICOS[401]);
    }
    const otraVez = respuesta.headers.get("Retry-After");
    // 409 "ask again", 429 the gateway's rate limit (no service saw it), 503 on a read.
    const reintentable =
      respuesta.status === 409 || respuesta.status === 429 || (respuesta.status === 503 && !escritura);
    if (otraVez && reintentable && intento < reintentos) {
      await espera(Math.min(Number(otraVez) || 1, 2) * 1000);
      continue;
    }
    if (!respuesta.ok) throw await errorDe(respuesta);
    if (como === "respuesta") return respuesta;
    if (respuesta.status === 204) return null;
    return como === "blob" ? respuesta.blob() : respuesta.json();
  }
}

// Uploads with a progress callback (fetch has none): one refresh on 401 and quiet retries of
// "ask again" (409 with Retry-After: archivos has not heard of a new expediente yet), like `api`.
export function subir(metodo, ruta, form, alProgresar) {
  const clave = crypto.randomUUID();
  const enviar = () => new Promise((listo, fallo) => {
    const xhr = new XMLHttpRequest();
    xhr.open(metodo, ruta);
    const token = sesion()?.access_token;
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    xhr.setRequestHeader("Idempotency-Key", clave);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) alProgresar(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => listo(new Response(xhr.responseText || null, {
      status: xhr.status,
      headers: {
        "Content-Type": xhr.getResponseHeader("Content-Type") || "",
        "Retry-After": xhr.getResponseHeader("Retry-After") || "",
      },
    })));
    xhr.addEventListener("error", () => fallo(new ErrorApi(0, GENERICOS[0])));
    xhr.send(form);
  });
  return (async () => {
    let respuesta = await enviar();
    if (respuesta.status === 401 && (await refrescar())) respuesta = await enviar();
    for (let intento = 0; respuesta.status === 409 && respuesta.headers.get("Retry-After") && intento < 15; intento += 1) {
      await espera(1000);
      respuesta = await enviar();
    }
    if (!respuesta.ok) throw await errorDe(respuesta);
    return respuesta.json();
  })();
}

// The catalogue (tipos, organismos, mesas, dependencias) changes seldom: kept in the tab for
// ten minutes, so screens do not ask for it on every page. Administración reads it fresh.
const VIGENCIA_CATALOGO_MS = 10 * 60 * 1000;

export async function catalogo(nombre) {
  const clave = `sigexp.catalogo.${nombre}`;
  try {
    const guardado = JSON.parse(sessionStorage.getItem(clave));
    if (guardado && Date.now() - guardado.en < VIGENCIA_CATALOGO_MS) return guardado.datos;
  } catch { /* not there or unreadable: ask */ }
  const datos = await api("GET", `/api/v1/catalogo/${nombre}`);
  sessionStorage.setItem(clave, JSON.stringify({ en: Date.now(), datos }));
  return datos;
}
