// Behaviour shared by every page. The Content Security Policy allows no inline scripts or on…=""
// handlers, so pages mark elements with data attributes and this file wires them up.
(function () {
  "use strict";

  // <select data-submit-on-change> submits its form when the choice changes (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.matches("[data-submit-on-change]") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });

  // <form data-confirm="Question?"> asks before it is submitted.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
