// Behaviour of the document pages. The Content Security Policy allows no inline scripts, so the templates
// mark elements with data attributes and this file wires them up.
(function () {
  "use strict";

  // Reference pickers (potok/documents/templates/documents/widgets/reference.html): choosing an option
  // puts its id into the hidden input; emptying the text box clears it.
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
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.target instanceof Element ? event.target.closest("[data-reference]") : null;
    if (box) box.querySelector("[data-reference-search]").setAttribute("aria-expanded", "true");
  });

  // The field form shows only the settings its chosen type understands.
  function showSettingsOf(form) {
    var type = form.querySelector("[name=field_type]");
    if (!type) return;
    form.querySelectorAll("[data-field-types]").forEach(function (input) {
      var group = input.closest(".mb-3");
      if (group) group.hidden = input.dataset.fieldTypes.split(" ").indexOf(type.value) < 0;
    });
  }
  document.querySelectorAll("form[data-field-form]").forEach(function (form) {
    showSettingsOf(form);
    form.addEventListener("change", function (event) {
      if (event.target instanceof Element && event.target.matches("[name=field_type]")) showSettingsOf(form);
    });
  });

  // The fields table: drag a row to reorder; the new order is saved at once (the arrow buttons do the
  // same without a mouse).
  document.querySelectorAll("[data-sortable-fields]").forEach(function (table) {
    if (!table.dataset.orderUrl) return;
    var body = table.querySelector("tbody");
    var dragged = null;
    body.addEventListener("dragstart", function (event) { dragged = event.target.closest("tr"); });
    body.addEventListener("dragover", function (event) {
      event.preventDefault();
      var row = event.target instanceof Element ? event.target.closest("tr") : null;
      if (!row || !dragged || row === dragged) return;
      var after = event.clientY > row.getBoundingClientRect().top + row.offsetHeight / 2;
      body.insertBefore(dragged, after ? row.nextSibling : row);
    });
    body.addEventListener("drop", function (event) {
      event.preventDefault();
      var order = Array.prototype.map.call(body.querySelectorAll("tr[data-code]"), function (row) {
        return row.dataset.code;
      });
      var archived = JSON.parse(document.getElementById("archived-field-codes").textContent);
      var data = new FormData();
      data.append("order", JSON.stringify(order.concat(archived)));
      data.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
      fetch(table.dataset.orderUrl, { method: "POST", body: data, credentials: "same-origin" }).then(function () {
        window.location.reload();
      });
    });
  });
})();
