/* Forms with data-ask ask first, in a dialog (Bootstrap modal from web/processes/_confirm.html) that
 * works with the keyboard; without the dialog markup the browser's own confirm() is used. (Not
 * data-confirm: web/potok.js answers that one with the browser's confirm() for every page.) */
(function () {
  'use strict';
  var dialog = document.getElementById('potok-confirm');
  var pending = null;

  if (dialog) {
    // Enter confirms, Escape goes back: the confirming button has the focus once the dialog is shown.
    // A click while the dialog is still fading in is not lost: it closes once it has opened.
    var shown = false;
    var hideWhenShown = false;
    dialog.addEventListener('shown.bs.modal', function () {
      shown = true;
      if (hideWhenShown) { hideWhenShown = false; window.bootstrap.Modal.getOrCreateInstance(dialog).hide(); return; }
      dialog.querySelector('[data-confirm-ok]').focus();
    });
    dialog.addEventListener('hidden.bs.modal', function () { shown = false; });
    dialog.querySelector('[data-confirm-ok]').addEventListener('click', function () {
      var form = pending;
      pending = null;
      if (shown) { window.bootstrap.Modal.getOrCreateInstance(dialog).hide(); } else { hideWhenShown = true; }
      if (form) {
        form.dataset.confirmed = '1';
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.matches || !form.matches('form[data-ask]')) { return; }
    if (form.dataset.confirmed === '1') { delete form.dataset.confirmed; return; }
    event.preventDefault();
    if (!dialog || !window.bootstrap) {
      if (window.confirm(form.dataset.ask)) { form.dataset.confirmed = '1'; form.submit(); }
      return;
    }
    pending = form;
    dialog.querySelector('[data-confirm-text]').textContent = form.dataset.ask;
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  });
})();
