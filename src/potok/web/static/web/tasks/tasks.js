// Behaviour of the task pages. The Content Security Policy allows no inline scripts, so the templates
// mark elements with data attributes and this file wires them up.
(function () {
  "use strict";

  // Reference pickers of a task's form (potok/documents/templates/documents/widgets/reference.html):
  // choosing an option puts its id into the hidden input; emptying the text box clears it.
  document.addEventListener("click", function (event) {
    var option = event.target instanceof Element ? event.target.closest("[data-reference-option]") : null;
    if (!option) return;
    event.preventDefault();
    var box = option.closest("[data-reference]");
    box.querySelector("[data-reference-value]").value = option.dataset.id;
    var search = box.querySelector("[data-reference-search]");
    search.value = option.dataset.label;
    search.setAttribute("aria-expanded", "false");
    box.querySelector(".potok-reference-options").innerHTML = "";
  });
  document.addEventListener("input", function (event) {
    var search = event.target instanceof Element ? event.target.closest("[data-reference-search]") : null;
    if (search && !search.value.trim()) {
      search.closest("[data-reference]").querySelector("[data-reference-value]").value = "";
    }
  });

  // <input type="checkbox" data-check-all="name"> ticks every checkbox of that name (the bulk redirect).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.checkAll) return;
    document.querySelectorAll("input[type=checkbox][name='" + box.dataset.checkAll + "']").forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
