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

  // <button data-remove-closest="section"> removes the nearest such ancestor (closing a panel).
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-remove-closest]") : null;
    if (target) {
      var panel = target.closest(target.getAttribute("data-remove-closest"));
      if (panel) {
        panel.remove();
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
