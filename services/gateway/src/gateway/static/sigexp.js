const estado = document.getElementById("estado");
document.getElementById("ingreso").addEventListener("submit", async (evento) => {
  evento.preventDefault();
  estado.textContent = "Verificando…";
  const datos = { usuario: usuario.value, password: password.value };
  const r = await fetch("/api/v1/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(datos),
  });
  const cuerpo = await r.json();
  if (!r.ok) { estado.textContent = cuerpo.detail || "No se pudo ingresar."; return; }
  const yo = await fetch("/api/v1/auth/me", { headers: { Authorization: "Bearer " + cuerpo.access_token } });
  const perfil = await yo.json();
  estado.textContent = yo.ok
    ? `Bienvenido/a, ${perfil.nombre} (${perfil.perfil}).`
    : (perfil.detail || "Sesión iniciada.");
});
