// Loaded before the page's body, as a classic script: a form sent before the screen's module
// has attached its handler to it (`alEnviar` in ui.js; Enter typed fast, a slow link) is held
// here instead of being submitted by the browser itself (the page's CSP, `form-action 'none'`,
// would refuse that anyway: it would put the fields, a password among them, in the address).
// Once the handler is there (`sigexp-atendido` on the form) the form is sent again, through it.
(() => {
  let enEspera = null;
  document.addEventListener("submit", (evento) => {
    if (evento.target.dataset.atendido) return;
    evento.preventDefault();
    evento.stopImmediatePropagation();
    enEspera = { form: evento.target, boton: evento.submitter };
  }, true);
  document.addEventListener("sigexp-atendido", (evento) => {
    if (!enEspera || enEspera.form !== evento.target) return;
    const { form, boton } = enEspera;
    enEspera = null;
    if (boton) form.requestSubmit(boton); else form.requestSubmit();
  });
})();
