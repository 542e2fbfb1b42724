/* The designer's side panel, drawn from data: Potok's extension elements as plain dicts (the shape the
 * engine's reader gives them: attributes as strings, `text`, children as lists by name) and the form
 * widgets that edit them, described by the sections the server sends (views/processes/vocabulary.py).
 *
 * Nothing here knows bpmn-js: designer.js reads the dicts out of the diagram and writes them back. */
(function () {
  'use strict';

  var NS = 'https://potok.dev/schema/bpmn/1.0';
  var counter = 0;

  function nextId(prefix) { counter += 1; return (prefix || 'pp') + '-' + counter; }

  function format(template, values) {
    return String(template || '').replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? match : values[key];
    });
  }

  /* -- moddle generic elements <-> dicts ------------------------------------------------------------ */

  function isPotok(value) {
    return !!(value && value.$descriptor && value.$descriptor.ns && value.$descriptor.ns.uri === NS);
  }

  function localName(value) { return value.$descriptor.ns.localName; }

  function toDict(value) {
    var result = {};
    Object.keys(value).forEach(function (key) {
      if (key.charAt(0) === '$') { return; }
      var item = value[key];
      if (item !== undefined && item !== null && typeof item !== 'object') { result[key] = String(item); }
    });
    if (value.$body !== undefined && value.$body !== null && String(value.$body).trim()) {
      result.text = String(value.$body).trim();
    }
    (value.$children || []).forEach(function (child) {
      if (!isPotok(child)) { return; }
      var name = localName(child);
      (result[name] = result[name] || []).push(toDict(child));
    });
    return result;
  }

  function fromDict(moddle, name, dict, parent) {
    var attributes = {};
    Object.keys(dict).forEach(function (key) {
      var item = dict[key];
      if (key === 'text' || Array.isArray(item) || item === undefined || item === null || item === '') { return; }
      attributes[key] = String(item);
    });
    var element = moddle.createAny('potok:' + name, NS, attributes);
    element.$parent = parent;
    var children = [];
    Object.keys(dict).forEach(function (key) {
      if (Array.isArray(dict[key])) {
        dict[key].forEach(function (child) { children.push(fromDict(moddle, key, child, element)); });
      }
    });
    if (children.length) { element.$children = children; }
    if (dict.text) { element.$body = dict.text; }
    return element;
  }

  /* -- small DOM helpers ----------------------------------------------------------------------------- */

  function node(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === undefined || value === null || value === false) { return; }
      if (key === 'text') { element.textContent = value; } else if (key === 'className') { element.className = value; } else { element.setAttribute(key, value === true ? '' : value); }
    });
    (children || []).forEach(function (child) { if (child) { element.appendChild(child); } });
    return element;
  }

  function iconButton(icon, label, onClick, extraClass) {
    var button = node('button', {type: 'button', className: 'btn btn-sm ' + (extraClass || 'btn-outline-secondary'), 'aria-label': label, title: label}, [
      node('i', {className: 'bi ' + icon, 'aria-hidden': 'true'})
    ]);
    button.addEventListener('click', onClick);
    return button;
  }

  function debounce(fn, wait) {
    var timer = null;
    var debounced = function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { timer = null; fn.apply(null, args); }, wait);
    };
    debounced.flush = function () { if (timer) { clearTimeout(timer); timer = null; fn(); } };
    return debounced;
  }

  /* -- live checks of expressions and durations ---------------------------------------------------- */

  function showCheck(output, text, result, strings) {
    output.textContent = '';
    output.className = 'potok-check';
    if (!text.trim() || !result) { return; }
    if (result.ok) {
      output.classList.add('is-ok');
      output.textContent = strings.check_ok;
      return;
    }
    output.classList.add('is-error');
    var position = result.position;
    output.appendChild(document.createTextNode(
      position === null || position === undefined ? result.message
        : format(strings.check_error_at, {message: result.message, position: position})
    ));
    if (position !== null && position !== undefined) {
      var code = node('code', {className: 'd-block text-body'});
      code.appendChild(document.createTextNode(text.slice(0, position)));
      code.appendChild(node('mark', {text: text.slice(position, position + 1) || '\u2423'}));
      code.appendChild(document.createTextNode(text.slice(position + 1)));
      output.appendChild(code);
    }
  }

  /* A text input whose value is checked by the server as it is typed (expression, duration, timer). */
  function checkedInput(options) {
    var input = node('input', {
      className: 'form-control form-control-sm font-monospace', id: options.id, type: 'text',
      placeholder: options.placeholder || '', spellcheck: 'false', autocomplete: 'off',
      'aria-describedby': options.id + '-check', 'data-check': options.kind
    });
    input.value = options.value || '';
    var output = node('div', {className: 'potok-check', id: options.id + '-check', 'aria-live': 'polite'});
    var sequence = 0;
    var run = function () {
      var text = input.value;
      var mine = ++sequence;
      var checked = options.typedObject ? text.replace(/^[a-z_][a-z0-9_.]*:/, '') : text;
      if (!checked.trim()) { showCheck(output, '', null, options.strings); input.classList.remove('is-invalid'); return; }
      output.textContent = options.strings.checking;
      options.check(options.kind, checked).then(function (result) {
        if (mine !== sequence) { return; }
        showCheck(output, checked, result, options.strings);
        input.classList.toggle('is-invalid', !result.ok);
        input.setAttribute('aria-invalid', result.ok ? 'false' : 'true');
      }).catch(function () { output.textContent = ''; });
    };
    var later = debounce(run, 350);
    input.addEventListener('input', function () { options.onInput(input.value); later(); });
    input.addEventListener('change', function () { later.flush(); });
    if (input.value) { run(); }
    return {input: input, output: output};
  }

  /* -- sections -------------------------------------------------------------------------------------- */

  function choicesOf(attribute, context) {
    var choices = attribute.choices;
    if (typeof choices === 'string') { choices = context.choices[choices] || []; }
    return choices || [];
  }

  function visible(rule, item) {
    if (!rule) { return true; }
    return Object.keys(rule).every(function (key) { return rule[key].indexOf(item[key] || '') !== -1; });
  }

  function newItem(section, context) {
    var item = {};
    section.attributes.forEach(function (attribute) {
      if (attribute.kind === 'select' && attribute.required) {
        var choices = choicesOf(attribute, context);
        if (choices.length) { item[attribute.name] = choices[0][0]; }
      }
    });
    return item;
  }

  /* Drop the values of attributes that are hidden now (switching a performer from role to user forgets
   * the role), so the XML never carries settings that no longer apply. */
  function forgetHidden(section, item) {
    section.attributes.forEach(function (attribute) {
      if (attribute.when && !visible(attribute.when, item)) { delete item[attribute.name]; }
    });
    (section.children || []).forEach(function (child) {
      if (child.when && !visible(child.when, item)) { delete item[child.element]; }
    });
  }

  function attributeField(attribute, item, context, changed, restructured) {
    var id = nextId('pp');
    var label = node('label', {className: 'form-label', for: id, text: attribute.label + (attribute.required ? ' *' : '')});
    var wrapper = node('div', {className: 'mb-1', 'data-attribute': attribute.name});
    var value = item[attribute.name] || '';
    if (attribute.kind === 'flag') {
      var checked = attribute.default ? value !== 'false' : value === 'true';
      var box = node('input', {className: 'form-check-input', type: 'checkbox', id: id});
      box.checked = checked;
      box.addEventListener('change', function () {
        if (attribute.default) {
          if (box.checked) { delete item[attribute.name]; } else { item[attribute.name] = 'false'; }
        } else if (box.checked) { item[attribute.name] = 'true'; } else { delete item[attribute.name]; }
        changed(true);
      });
      wrapper.className = 'form-check mb-1';
      wrapper.appendChild(box);
      wrapper.appendChild(node('label', {className: 'form-check-label', for: id, text: attribute.label}));
      return wrapper;
    }
    wrapper.appendChild(label);
    if (attribute.kind === 'select') {
      var select = node('select', {className: 'form-select form-select-sm', id: id});
      var choices = choicesOf(attribute, context);
      var known = false;
      if (!attribute.required && !choices.some(function (choice) { return choice[0] === ''; })) {
        select.appendChild(node('option', {value: '', text: '—'}));
      }
      choices.forEach(function (choice) {
        if (choice[0] === value) { known = true; }
        select.appendChild(node('option', {value: choice[0], text: choice[1]}));
      });
      if (value && !known) { select.appendChild(node('option', {value: value, text: value + ' ?'})); }
      select.value = value;
      select.addEventListener('change', function () {
        if (select.value) { item[attribute.name] = select.value; } else { delete item[attribute.name]; }
        restructured();
      });
      wrapper.appendChild(select);
      return wrapper;
    }
    var onInput = function (text) {
      if (text) { item[attribute.name] = text; } else { delete item[attribute.name]; }
      changed(false);
    };
    if (attribute.kind === 'expression' || attribute.kind === 'duration' || attribute.kind === 'calendar_duration') {
      var checked_input = checkedInput({
        id: id, kind: attribute.kind, value: value, placeholder: attribute.placeholder, strings: context.strings,
        check: context.check, onInput: onInput, typedObject: attribute.typed_object
      });
      checked_input.input.addEventListener('change', function () { changed(true); });
      wrapper.appendChild(checked_input.input);
      wrapper.appendChild(checked_input.output);
      return wrapper;
    }
    var input = node('input', {className: 'form-control form-control-sm', id: id, type: 'text', placeholder: attribute.placeholder || ''});
    input.value = value;
    input.addEventListener('input', function () { onInput(input.value); });
    input.addEventListener('change', function () { changed(true); });
    wrapper.appendChild(input);
    return wrapper;
  }

  /* One section (a repeated or single extension element): its items, each with its fields and nested
   * sections, and the buttons that add, move and remove items. `commit(items, now)` writes them back. */
  function renderSection(section, items, context, commit, level) {
    var container = node('div', {className: level ? 'potok-panel-children' : '', 'data-section': section.element});
    var heading = node(level ? 'h4' : 'h3', {className: level ? 'small fw-semibold mt-2 mb-1' : '', text: section.label});
    container.appendChild(heading);
    if (section.help && !level) { container.appendChild(node('p', {className: 'small text-secondary mb-1', text: section.help})); }

    var redraw = function () {
      var fresh = renderSection(section, items, context, commit, level);
      container.replaceWith(fresh);
      return fresh;
    };
    var later = debounce(function () { commit(items, false); }, 250);
    var changed = function (now) { if (now) { later.flush(); commit(items, true); } else { later(); } };

    items.forEach(function (item, index) {
      var box = node('div', {className: 'potok-panel-item', 'data-item': String(index)});
      var head = node('div', {className: 'potok-panel-item-head'}, [
        node('span', {text: (section.item_label || context.strings.item) + (section.repeat ? ' ' + (index + 1) : '')})
      ]);
      if (section.repeat && index > 0) {
        head.appendChild(iconButton('bi-arrow-up', context.strings.move_up + ': ' + section.item_label + ' ' + (index + 1), function () {
          items.splice(index - 1, 0, items.splice(index, 1)[0]);
          commit(items, true);
          var fresh = redraw();
          var target = fresh.querySelector('[data-item="' + (index - 1) + '"] button');
          if (target) { target.focus(); }
        }));
      }
      head.appendChild(iconButton('bi-trash', context.strings.remove + ': ' + (section.item_label || '') + ' ' + (index + 1), function () {
        items.splice(index, 1);
        commit(items, true);
        var fresh = redraw();
        var next = fresh.querySelector('[data-add]') || fresh;
        next.focus();
      }, 'btn-outline-danger'));
      box.appendChild(head);
      var restructured = function () {
        forgetHidden(section, item);
        commit(items, true);
        var focused = document.activeElement;
        var attributeName = focused && focused.closest('[data-attribute]') ? focused.closest('[data-attribute]').dataset.attribute : null;
        var fresh = redraw();
        if (attributeName) {
          var again = fresh.querySelector('[data-item="' + index + '"] [data-attribute="' + attributeName + '"] select, [data-item="' + index + '"] [data-attribute="' + attributeName + '"] input');
          if (again) { again.focus(); }
        }
      };
      section.attributes.forEach(function (attribute) {
        if (!visible(attribute.when, item)) { return; }
        box.appendChild(attributeField(attribute, item, context, changed, restructured));
      });
      (section.children || []).forEach(function (child) {
        if (!visible(child.when, item)) { return; }
        var childItems = item[child.element] = item[child.element] || [];
        box.appendChild(renderSection(child, childItems, context, function (list, now) {
          if (list.length) { item[child.element] = list; } else { delete item[child.element]; }
          if (now) { commit(items, true); } else { changed(false); }
        }, (level || 0) + 1));
        if (!childItems.length) { delete item[child.element]; }
      });
      container.appendChild(box);
    });
    if (section.repeat || !items.length) {
      var add = node('button', {type: 'button', className: 'btn btn-sm btn-outline-primary', 'data-add': section.element}, [
        node('i', {className: 'bi bi-plus-lg', 'aria-hidden': 'true'}),
        document.createTextNode(' ' + context.strings.add + ': ' + (section.item_label || section.label).toLowerCase())
      ]);
      add.addEventListener('click', function () {
        items.push(newItem(section, context));
        commit(items, true);
        var fresh = redraw();
        var field = fresh.querySelector('[data-item="' + (items.length - 1) + '"] input, [data-item="' + (items.length - 1) + '"] select');
        if (field) { field.focus(); }
      });
      container.appendChild(add);
    }
    return container;
  }

  window.PotokPanel = {
    NS: NS,
    isPotok: isPotok,
    localName: localName,
    toDict: toDict,
    fromDict: fromDict,
    node: node,
    nextId: nextId,
    format: format,
    debounce: debounce,
    checkedInput: checkedInput,
    renderSection: renderSection
  };
})();
