// Loaded before the page's body, as a classic script: until the screen's module says it is
// ready (`listo()` in ui.js), a form sent (Enter typed fast, a slow link) is held here instead
// of being submitted by the browser itself (the page's CSP, `form-action 'none'`, would refuse
// that anyway: it would put the fields, a password among them, in the address). Once the
// screen is ready the form is sent again, through the screen's own handler.
(() => {
  let enEspera = null;
  document.addEventListener("submit", (evento) => {
    if (document.documentElement.dataset.listo) return;
    evento.preventDefault();
    evento.stopImmediatePropagation();
    enEspera = { form: evento.target, boton: evento.submitter };
  }, true);
  document.addEventListener("sigexp-lista", () => {
    if (!enEspera) return;
    const { form, boton } = enEspera;
    enEspera = null;
    if (boton) form.requestSubmit(boton); else form.requestSubmit();
  });
})();
