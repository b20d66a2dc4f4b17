// Browses /api/openapi.json: the operations grouped by tag, each with its parameters, body
// and answers. No inline script, no external asset (the page's CSP says script-src 'self').
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function resolve(doc, schema, depth) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop();
    return resolve(doc, (doc.components.schemas || {})[name], depth + 1);
  }
  const out = Array.isArray(schema) ? [] : {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = v && typeof v === "object" ? resolve(doc, v, depth + 1) : v;
  }
  return out;
}

function schemaBlock(doc, content) {
  const media = content && (content["application/json"] || Object.values(content)[0]);
  if (!media || !media.schema) return el("p", {}, "—");
  return el("pre", {}, JSON.stringify(resolve(doc, media.schema, 0), null, 2));
}

function operation(doc, path, method, op) {
  const head = el("summary", {}, el("span", { class: "metodo " + method }, method), " ",
    el("code", {}, path), " ", op.summary || "");
  if (Array.isArray(op.security) && op.security.length === 0) head.append(el("span", { class: "publica" }, "pública"));
  const body = el("div", {});
  if (op.description) body.append(el("p", {}, op.description));
  const params = op.parameters || [];
  if (params.length) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "parámetro"), el("th", {}, "en"), el("th", {}, "requerido")));
    for (const p of params) table.append(el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "sí" : "no")));
    body.append(el("h4", {}, "Parámetros"), table);
  }
  if (op.requestBody) body.append(el("h4", {}, "Cuerpo"), schemaBlock(doc, op.requestBody.content));
  for (const [status, answer] of Object.entries(op.responses || {})) {
    body.append(el("h4", {}, "Respuesta " + status + " — " + (answer.description || "")), schemaBlock(doc, answer.content));
  }
  const details = el("details", { "data-texto": (path + " " + (op.summary || "") + " " + (op.tags || []).join(" ")).toLowerCase() }, head, body);
  return details;
}

function render(doc) {
  const main = document.getElementById("rutas");
  main.replaceChildren();
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["otras"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(doc, path, method, op));
    }
  }
  for (const [tag, ops] of [...byTag.entries()].sort()) {
    main.append(el("section", {}, el("h2", {}, tag), ...ops));
  }
}

function filter() {
  const text = document.getElementById("filtro").value.trim().toLowerCase();
  for (const d of document.querySelectorAll("details")) {
    d.hidden = text !== "" && !d.dataset.texto.includes(text);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("filtro").addEventListener("input", filter);
  try {
    const answer = await fetch("/api/openapi.json", { headers: { Accept: "application/json" } });
    render(await answer.json());
  } catch (error) {
    document.getElementById("rutas").replaceChildren(el("p", {}, "No se pudo cargar el documento: " + error));
  }
});
