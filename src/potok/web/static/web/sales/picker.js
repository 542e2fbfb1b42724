/* The counterparty picker: typing fills a datalist from the client base's picker (id, name, ИНН);
   choosing an option puts its id into the hidden form field. */
(function () {
  "use strict";
  document.querySelectorAll("[data-picker-url]").forEach(function (input) {
    const hidden = document.getElementById(input.dataset.pickerTarget);
    const list = document.getElementById(input.getAttribute("list"));
    const byLabel = new Map();
    let timer = null;
    function label(item) {
      return item.inn ? item.name + " · " + item.inn : item.name;
    }
    input.addEventListener("input", function () {
      if (byLabel.has(input.value)) {
        hidden.value = byLabel.get(input.value);
        return;
      }
      hidden.value = input.value.trim() === "" ? "" : hidden.value;
      clearTimeout(timer);
      timer = setTimeout(async function () {
        const response = await fetch(input.dataset.pickerUrl + "?q=" + encodeURIComponent(input.value), {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        list.innerHTML = "";
        (data.items || []).forEach(function (item) {
          const option = document.createElement("option");
          option.value = label(item);
          byLabel.set(option.value, item.id);
          list.appendChild(option);
        });
      }, 200);
    });
  });
})();
