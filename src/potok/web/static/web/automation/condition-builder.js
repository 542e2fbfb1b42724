/* The condition builder (window.PotokConditionBuilder.mount), used by the start rule editor — which keeps
 * the tree in its form's hidden input and shows the event settings of the chosen event — and by the
 * process designer for conditions on sequence flows.
 *
 * The tree is Potok's condition tree: groups {"all": [...]}, {"any": [...]}, {"not": {...}}; leaves
 * {"field": "client.segment", "op": "eq", "value": "VIP"} and {"expr": "len(description) > 100"}.
 * Fields come from the record type's schema (GET data-schema-url?entity_type=...), references one level
 * deep ("client.segment"); operators are those the schema gives for the field's type.
 */
(function () {
  "use strict";

  /* Mount a builder in `root`: options.labels (translated words), options.schema ({fields: [...]}),
   * options.tree (the condition tree to show) and options.onChange(value) called with the tree after
   * every edit ({} when there is no condition). Returns {setSchema(schema)}. The start rule editor and
   * the process designer's side panel (conditions on sequence flows) both use it. */
  function mount(root, options) {
  var labels = options.labels;
  var schema = options.schema || { fields: [] };
  var tree = options.tree;
  var current = "{}";
  if (!tree || (!tree.all && !tree.any)) { tree = isEmpty(tree) ? { all: [] } : { all: [tree] }; }

  var NO_VALUE = ["is_empty", "is_not_empty", "changed"];
  var LISTS = ["in", "not_in"];

  function isEmpty(value) { return !value || Object.keys(value).length === 0; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key.indexOf("on") === 0) { node.addEventListener(key.slice(2), attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function fieldList() {
    var found = [];
    (schema.fields || []).forEach(function (field) {
      found.push({ code: field.code, label: field.label, spec: field });
      (field.fields || []).forEach(function (sub) {
        found.push({ code: field.code + "." + sub.code, label: field.label + " → " + sub.label, spec: sub });
      });
    });
    return found;
  }

  function specOf(code) {
    var bare = (code || "").replace(/^(old|new)\./, "");
    var match = fieldList().filter(function (item) { return item.code === bare; })[0];
    return match ? match.spec : null;
  }

  function save() {
    var value = tree;
    if (tree.all && tree.all.length === 0) { value = {}; }
    else if (tree.all && tree.all.length === 1 && !tree.id) { value = tree.all[0]; }
    current = JSON.stringify(value);
    options.onChange(value);
  }

  function button(text, icon, handler, style) {
    return el("button", { type: "button", class: "btn btn-sm " + (style || "btn-outline-secondary"), onclick: handler }, [
      el("i", { class: "bi bi-" + icon, "aria-hidden": "true" }), document.createTextNode(" " + text)
    ]);
  }

  function typedValue(spec, raw) {
    if (!spec) { return raw; }
    var type = spec.type;
    if (["integer", "decimal", "money", "reference"].indexOf(type) >= 0) {
      var number = Number(String(raw).replace(",", ".").replace(/\s/g, ""));
      return raw === "" || isNaN(number) ? raw : number;
    }
    if (type === "boolean") { return raw === "true"; }
    if (type === "any") {
      // A process variable has no declared type: a number or yes/no when it reads as one, else text.
      var trimmed = String(raw).trim();
      if (trimmed === "true" || trimmed === "false") { return trimmed === "true"; }
      var parsed = Number(trimmed.replace(",", "."));
      return trimmed === "" || isNaN(parsed) ? raw : parsed;
    }
    if (type === "date" && raw) { return { expr: "date('" + raw + "')" }; }
    if (type === "datetime" && raw) { return { expr: "datetime('" + raw + "')" }; }
    return raw;
  }

  function shownValue(value) {
    if (value && typeof value === "object" && value.expr) {
      var match = /'([^']*)'/.exec(value.expr);
      return match ? match[1] : value.expr;
    }
    return value === undefined || value === null ? "" : String(value);
  }

  function valueEditor(leaf, spec, changed) {
    var op = leaf.op;
    if (NO_VALUE.indexOf(op) >= 0) { delete leaf.value; return null; }
    var type = spec ? spec.type : "string";
    var box = el("div", { class: "d-flex gap-1 flex-grow-1" });
    function textInput(value, onInput, kind) {
      return el("input", {
        class: "form-control form-control-sm", value: value, type: kind || "text", "aria-label": labels.value,
        oninput: function (event) { onInput(event.target.value); changed(); }
      });
    }
    var inputType = type === "date" ? "date" : type === "datetime" ? "datetime-local" : "text";
    if (op === "between" && (type === "date" || type === "datetime")) {
      // A list holds constants only: dates go as one expression, [date('…'), date('…')].
      var fn = type === "date" ? "date" : "datetime";
      var found = /'([^']*)'[^']*'([^']*)'/.exec((leaf.value && leaf.value.expr) || "") || [null, "", ""];
      var ends = [found[1], found[2]];
      var write = function () { leaf.value = { expr: "[" + fn + "('" + ends[0] + "'), " + fn + "('" + ends[1] + "')]" }; };
      write();
      box.appendChild(textInput(ends[0], function (v) { ends[0] = v; write(); }, inputType));
      box.appendChild(textInput(ends[1], function (v) { ends[1] = v; write(); }, inputType));
      return box;
    }
    if (op === "between") {
      var pair = Array.isArray(leaf.value) ? leaf.value : ["", ""];
      leaf.value = pair;
      box.appendChild(textInput(shownValue(pair[0]), function (v) { pair[0] = typedValue(spec, v); }, inputType));
      box.appendChild(textInput(shownValue(pair[1]), function (v) { pair[1] = typedValue(spec, v); }, inputType));
      return box;
    }
    if (LISTS.indexOf(op) >= 0) {
      var items = Array.isArray(leaf.value) ? leaf.value : [];
      leaf.value = items;
      if (spec && spec.choices && spec.choices.length) {
        var multi = el("select", { class: "form-select form-select-sm", multiple: "multiple", "aria-label": labels.value,
          onchange: function (event) {
            leaf.value = Array.prototype.filter.call(event.target.options, function (o) { return o.selected; })
              .map(function (o) { return o.value; });
            changed();
          } });
        spec.choices.forEach(function (choice) {
          var option = el("option", { value: choice[0], text: choice[1] });
          if (items.indexOf(choice[0]) >= 0) { option.selected = true; }
          multi.appendChild(option);
        });
        box.appendChild(multi);
        return box;
      }
      var listInput = textInput(items.map(shownValue).join(", "), function (v) {
        leaf.value = v.split(",").map(function (item) { return item.trim(); }).filter(Boolean)
          .map(function (item) { return typedValue(spec, item); });
      });
      listInput.placeholder = labels.list_hint;
      box.appendChild(listInput);
      return box;
    }
    if (type === "boolean") {
      var flag = el("select", { class: "form-select form-select-sm", "aria-label": labels.value,
        onchange: function (event) { leaf.value = event.target.value === "true"; changed(); } },
        [el("option", { value: "true", text: labels.yes }), el("option", { value: "false", text: labels.no })]);
      if (leaf.value === undefined) { leaf.value = true; }
      flag.value = leaf.value ? "true" : "false";
      box.appendChild(flag);
      return box;
    }
    if (spec && spec.choices && spec.choices.length && ["eq", "ne", "changed_from", "changed_to", "contains", "not_contains"].indexOf(op) >= 0) {
      var select = el("select", { class: "form-select form-select-sm", "aria-label": labels.value,
        onchange: function (event) { leaf.value = event.target.value; changed(); } });
      spec.choices.forEach(function (choice) { select.appendChild(el("option", { value: choice[0], text: choice[1] })); });
      if (leaf.value === undefined || leaf.value === "") { leaf.value = spec.choices[0][0]; }
      select.value = leaf.value;
      box.appendChild(select);
      return box;
    }
    if (leaf.value === undefined) { leaf.value = ""; }
    box.appendChild(textInput(shownValue(leaf.value), function (v) { leaf.value = typedValue(spec, v); }, inputType));
    return box;
  }

  function leafEditor(leaf, remove, wrap) {
    var row = el("div", { class: "d-flex flex-wrap gap-1 align-items-center potok-condition-leaf" });
    function changed() { save(); }
    var fieldSelect = el("select", { class: "form-select form-select-sm w-auto", "aria-label": labels.field,
      onchange: function (event) { leaf.field = event.target.value; leaf.op = undefined; delete leaf.value; draw(); } });
    fieldList().forEach(function (item) { fieldSelect.appendChild(el("option", { value: item.code, text: item.label })); });
    if (!specOf(leaf.field) && leaf.field) { fieldSelect.appendChild(el("option", { value: leaf.field, text: leaf.field })); }
    if (!leaf.field && fieldSelect.options.length) { leaf.field = fieldSelect.options[0].value; }
    fieldSelect.value = leaf.field;
    var spec = specOf(leaf.field);
    var operators = spec ? spec.operators : ["eq", "ne", "is_empty", "is_not_empty"];
    if (!leaf.op || operators.indexOf(leaf.op) < 0) { leaf.op = leaf.op || operators[0]; }
    var opSelect = el("select", { class: "form-select form-select-sm w-auto", "aria-label": labels.operator,
      onchange: function (event) { leaf.op = event.target.value; if (LISTS.indexOf(leaf.op) >= 0 || leaf.op === "between") { delete leaf.value; } draw(); } });
    operators.forEach(function (op) { opSelect.appendChild(el("option", { value: op, text: labels[op] || op })); });
    if (operators.indexOf(leaf.op) < 0) { opSelect.appendChild(el("option", { value: leaf.op, text: leaf.op })); }
    opSelect.value = leaf.op;
    row.appendChild(fieldSelect);
    row.appendChild(opSelect);
    var editor = valueEditor(leaf, spec, changed);
    if (editor) { row.appendChild(editor); }
    row.appendChild(button(labels.negate, "slash-circle", wrap));
    row.appendChild(button(labels.remove, "x-lg", remove, "btn-outline-danger"));
    return row;
  }

  function exprEditor(leaf, remove, wrap) {
    return el("div", { class: "d-flex gap-1 align-items-start" }, [
      el("textarea", { class: "form-control form-control-sm font-monospace", rows: "1", "aria-label": labels.expression,
        placeholder: labels.expression, oninput: function (event) { leaf.expr = event.target.value; save(); } }),
      button(labels.negate, "slash-circle", wrap),
      button(labels.remove, "x-lg", remove, "btn-outline-danger")
    ]);
  }

  function nodeEditor(node, replace, remove) {
    if (node.all || node.any) { return groupEditor(node, replace, remove); }
    var wrap = function () { replace({ not: node }); draw(); };
    if (node.not) {
      return el("div", { class: "border-start border-3 border-warning ps-2 my-1" }, [
        el("div", { class: "d-flex gap-2 align-items-center mb-1" }, [
          el("strong", { class: "small text-warning", text: labels.not }),
          button(labels.remove, "arrow-counterclockwise", function () { replace(node.not); draw(); })
        ]),
        nodeEditor(node.not, function (child) { node.not = child; }, remove)
      ]);
    }
    if (node.expr !== undefined) {
      var editor = exprEditor(node, remove, wrap);
      editor.querySelector("textarea").value = node.expr;
      return editor;
    }
    return leafEditor(node, remove, wrap);
  }

  function groupEditor(group, replace, remove) {
    var kind = group.all ? "all" : "any";
    var items = group[kind];
    var box = el("div", { class: "border rounded p-2 my-1 potok-condition-group" });
    var kindSelect = el("select", { class: "form-select form-select-sm w-auto", "aria-label": labels.all + " / " + labels.any,
      onchange: function (event) { var next = {}; next[event.target.value] = items; replace(next); draw(); } },
      [el("option", { value: "all", text: labels.all }), el("option", { value: "any", text: labels.any })]);
    kindSelect.value = kind;
    var header = el("div", { class: "d-flex flex-wrap gap-1 align-items-center mb-1" }, [kindSelect,
      button(labels.add_condition, "plus-lg", function () { items.push({ field: "", op: "" }); draw(); }),
      button(labels.add_group, "diagram-2", function () { items.push({ any: [] }); draw(); }),
      button(labels.add_expression, "code", function () { items.push({ expr: "" }); draw(); })]);
    if (remove) {
      header.appendChild(button(labels.negate, "slash-circle", function () { replace({ not: group }); draw(); }));
      header.appendChild(button(labels.remove, "x-lg", remove, "btn-outline-danger"));
    }
    box.appendChild(header);
    if (!items.length && !remove) { box.appendChild(el("p", { class: "small text-secondary mb-0", text: labels.always })); }
    items.forEach(function (item, index) {
      box.appendChild(nodeEditor(item,
        function (next) { items[index] = next; },
        function () { items.splice(index, 1); draw(); }));
    });
    return box;
  }

  function draw() {
    root.innerHTML = "";
    if (!(schema.fields || []).length) {
      root.appendChild(el("p", { class: "small text-secondary", text: labels.choose_type }));
    }
    root.appendChild(groupEditor(tree, function (next) { tree = next; }, null));
    var details = el("details", { class: "mt-2" }, [el("summary", { class: "small", text: labels.json }),
      el("pre", { class: "small mb-0" })]);
    save();
    details.querySelector("pre").textContent = JSON.stringify(JSON.parse(current), null, 2);
    root.appendChild(details);
  }

  draw();
  root.addEventListener("input", function () { save(); });
  return { setSchema: function (next) { schema = next; draw(); } };
  }

  window.PotokConditionBuilder = { mount: mount };

  // The start rule editor: the tree lives in the form's hidden input; the schema follows the record type.
  var form = document.getElementById("rule-form");
  var root = document.getElementById("condition-builder");
  if (!form || !root) { return; }
  var input = document.getElementById(root.dataset.input);
  var initial;
  try { initial = JSON.parse(input.value || "{}"); } catch (error) { initial = {}; }
  var builder = mount(root, {
    labels: JSON.parse(document.getElementById("condition-labels").textContent),
    schema: JSON.parse(document.getElementById("condition-schema").textContent),
    tree: initial,
    onChange: function (value) { input.value = JSON.stringify(value); }
  });

  var entitySelect = form.querySelector("[name=entity_type]");
  if (entitySelect) {
    entitySelect.addEventListener("change", function () {
      fetch(form.dataset.schemaUrl + "?entity_type=" + encodeURIComponent(entitySelect.value), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (found) { builder.setSchema(found); });
    });
  }

  var eventSelect = form.querySelector("[name=event]");
  function showOptions() {
    form.querySelectorAll("[data-event-options]").forEach(function (block) {
      block.hidden = block.dataset.eventOptions.split(" ").indexOf(eventSelect.value) < 0;
    });
  }
  if (eventSelect) { eventSelect.addEventListener("change", showOptions); showOptions(); }
})();
