/* The process designer: bpmn-js Modeler plus Potok's side panel.
 *
 * The panel writes Potok's extension elements into the diagram as moddle *generic* elements
 * (moddle.createAny), not through a typed moddle descriptor: bpmn-js then keeps every <potok:…> element on
 * import and export, including ones this panel does not edit (a typed descriptor silently drops unknown
 * element types with only a warning). Standard BPMN parts (names, conditions, default flows, timers) are
 * written with bpmn-js's own modeling commands, so undo and redo cover everything.
 *
 * Texts come translated from the server in the designer-config JSON block; nothing is written here. */
(function () {
  'use strict';

  var P = window.PotokPanel;
  var config = JSON.parse(document.getElementById('designer-config').textContent);
  var S = config.strings;
  var canvasElement = document.getElementById('designer-canvas');
  var panel = document.getElementById('designer-panel');
  var statusBox = document.getElementById('designer-status');
  var problemsBox = document.getElementById('designer-problems');
  var problemsList = problemsBox.querySelector('ul');
  var dirtyMark = document.querySelector('[data-designer="dirty"]');
  var csrf = document.querySelector('input[name=csrfmiddlewaretoken]').value;

  var modeler = new window.BpmnJS({container: canvasElement});
  var modeling = modeler.get('modeling');
  var moddle = modeler.get('moddle');
  var bpmnFactory = modeler.get('bpmnFactory');
  var registry = modeler.get('elementRegistry');
  var selection = modeler.get('selection');
  var canvas = modeler.get('canvas');
  var eventBus = modeler.get('eventBus');

  var dirty = false;
  var writing = 0;
  var loading = false;

  var GATEWAYS_WITH_CONDITIONS = ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway', 'bpmn:ComplexGateway'];
  var ACTIVITIES = ['bpmn:Task', 'bpmn:UserTask', 'bpmn:ManualTask', 'bpmn:ServiceTask', 'bpmn:SendTask',
    'bpmn:ReceiveTask', 'bpmn:ScriptTask', 'bpmn:BusinessRuleTask', 'bpmn:SubProcess', 'bpmn:CallActivity',
    'bpmn:Transaction', 'bpmn:AdHocSubProcess'];

  /* -- talking to the server ------------------------------------------------------------------------ */

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {method: 'POST', body: body, headers: {'X-CSRFToken': csrf}, credentials: 'same-origin'})
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (data === null) { throw new Error(P.format(S.server_error, {status: response.status})); }
          return {status: response.status, body: data};
        });
      });
  }

  function check(kind, text) {
    return post(config.urls.check, {kind: kind, text: text}).then(function (response) { return response.body; });
  }

  function setStatus(text, kind) {
    statusBox.textContent = '';
    if (!text) { return; }
    var colour = {success: 'text-success', error: 'text-danger', warning: 'text-warning-emphasis'}[kind] || 'text-secondary';
    statusBox.appendChild(P.node('span', {className: colour + ' fw-medium', text: text}));
  }

  function setDirty(value) {
    dirty = value;
    dirtyMark.hidden = !value;
  }

  window.addEventListener('beforeunload', function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ''; }
  });

  /* A question in the page's dialog (keyboard friendly); resolves to true when confirmed. */
  function ask(text) {
    var dialog = document.getElementById('potok-confirm');
    if (!dialog || !window.bootstrap) { return Promise.resolve(window.confirm(text)); }
    return new Promise(function (resolve) {
      var modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
      var ok = dialog.querySelector('[data-confirm-ok]');
      var settled = false;
      var shown = false;
      dialog.querySelector('[data-confirm-text]').textContent = text;
      var settle = function (answer) {
        if (settled) { return; }
        settled = true;
        ok.removeEventListener('click', onOk);
        dialog.removeEventListener('hidden.bs.modal', onHidden);
        dialog.removeEventListener('shown.bs.modal', onShown);
        resolve(answer);
      };
      var onOk = function () {
        settle(true);
        // A click while the dialog is still fading in is not lost: it closes once it has opened.
        if (shown) { modal.hide(); } else { dialog.addEventListener('shown.bs.modal', function () { modal.hide(); }, {once: true}); }
      };
      var onHidden = function () { settle(false); };
      var onShown = function () { shown = true; ok.focus(); };
      ok.addEventListener('click', onOk);
      dialog.addEventListener('hidden.bs.modal', onHidden);
      dialog.addEventListener('shown.bs.modal', onShown);
      modal.show();
    });
  }

  /* -- reading and writing the diagram ------------------------------------------------------------- */

  function write(run) {
    writing += 1;
    try { run(); } finally { writing -= 1; }
  }

  function potokDicts(businessObject, name) {
    var holder = businessObject.extensionElements;
    var values = holder ? holder.get('values') : [];
    return values.filter(function (value) { return P.isPotok(value) && P.localName(value) === name; }).map(P.toDict);
  }

  /* Replace the element's <potok:NAME> extension elements with `dicts`, where the first of them stood;
   * other extension elements (Potok's or other vendors') stay as they are. */
  function writePotok(element, name, dicts) {
    var businessObject = element.businessObject;
    var holder = businessObject.extensionElements;
    var values = holder ? holder.get('values').slice() : [];
    var first = values.findIndex(function (value) { return P.isPotok(value) && P.localName(value) === name; });
    var kept = values.filter(function (value) { return !(P.isPotok(value) && P.localName(value) === name); });
    var target = holder || bpmnFactory.create('bpmn:ExtensionElements', {values: []});
    var created = dicts.map(function (dict) { return P.fromDict(moddle, name, dict, target); });
    var at = first === -1 ? kept.length : first;
    Array.prototype.splice.apply(kept, [at, 0].concat(created));
    write(function () {
      if (!holder) {
        if (!kept.length) { return; }
        target.values = kept;
        target.$parent = businessObject;
        modeling.updateProperties(element, {extensionElements: target});
      } else if (!kept.length) {
        modeling.updateProperties(element, {extensionElements: undefined});
      } else {
        modeling.updateModdleProperties(element, holder, {values: kept});
      }
    });
  }

  function typeOf(element) { return element.businessObject ? element.businessObject.$type : element.type; }

  function isAny(element, types) { return types.indexOf(typeOf(element)) !== -1; }

  function typeLabel(element) {
    var type = typeOf(element).replace('bpmn:', '');
    return (S.types && S.types[type]) || type;
  }

  function flowNodes() {
    return registry.filter(function (element) {
      return element.type !== 'label' && element !== canvas.getRootElement() && element.businessObject &&
        element.type !== 'bpmndi:BPMNPlane' && !element.type.startsWith('bpmn:Process') && element.type !== 'bpmn:Collaboration';
    });
  }

  function elementTitle(element) {
    var name = element.businessObject && element.businessObject.name;
    return (name ? name + ' · ' : '') + typeLabel(element) + ' (' + element.id + ')';
  }

  /* -- the panel ------------------------------------------------------------------------------------ */

  function heading(text) { return P.node('h3', {text: text}); }

  function textField(label, value, onInput, options) {
    options = options || {};
    var id = P.nextId('pd');
    var wrapper = P.node('div', {className: 'mb-2', 'data-field': options.key || ''});
    wrapper.appendChild(P.node('label', {className: 'form-label', for: id, text: label}));
    var input = P.node(options.multiline ? 'textarea' : 'input', {
      className: 'form-control form-control-sm', id: id, rows: options.multiline ? '2' : null,
      'aria-describedby': options.help ? id + '-help' : null, spellcheck: options.code ? 'false' : null,
      'data-testid': options.testid || null
    });
    input.value = value || '';
    var later = P.debounce(function () { onInput(input.value); }, 250);
    input.addEventListener('input', later);
    input.addEventListener('change', function () { later.flush(); });
    wrapper.appendChild(input);
    if (options.help) { wrapper.appendChild(P.node('div', {className: 'form-text', id: id + '-help', text: options.help})); }
    return wrapper;
  }

  function checkbox(label, checked, onChange, testid) {
    var id = P.nextId('pd');
    var box = P.node('input', {className: 'form-check-input', type: 'checkbox', id: id, 'data-testid': testid || null});
    box.checked = !!checked;
    box.addEventListener('change', function () { onChange(box.checked); });
    return P.node('div', {className: 'form-check mb-2'}, [box, P.node('label', {className: 'form-check-label', for: id, text: label})]);
  }

  function elementPicker(selected) {
    var id = P.nextId('pd');
    var select = P.node('select', {className: 'form-select form-select-sm', id: id, 'data-testid': 'element-picker'});
    select.appendChild(P.node('option', {value: '', text: '— ' + S.process + ' —'}));
    flowNodes().sort(function (a, b) { return elementTitle(a).localeCompare(elementTitle(b)); }).forEach(function (element) {
      select.appendChild(P.node('option', {value: element.id, text: elementTitle(element)}));
    });
    select.value = selected ? selected.id : '';
    select.addEventListener('change', function () {
      reveal(select.value || null);
      var again = panel.querySelector('[data-testid=element-picker]');
      if (again) { again.focus(); }
    });
    return P.node('div', {className: 'mb-2'}, [P.node('label', {className: 'form-label', for: id, text: S.elements}), select]);
  }

  function renderProcess(container) {
    var root = canvas.getRootElement();
    var processes = [];
    if (typeOf(root) === 'bpmn:Process') {
      processes.push({element: root, process: root.businessObject});
    } else {
      (root.businessObject.participants || []).forEach(function (participant) {
        if (participant.processRef) { processes.push({element: registry.get(participant.id), process: participant.processRef}); }
      });
    }
    container.appendChild(P.node('h2', {text: S.process}));
    processes.forEach(function (entry) {
      var update = function (properties) {
        write(function () {
          if (entry.element === root) { modeling.updateProperties(root, properties); } else { modeling.updateModdleProperties(entry.element, entry.process, properties); }
        });
      };
      var taken = P.node('div', {className: 'form-text text-warning-emphasis', 'aria-live': 'polite', 'data-testid': 'process-id-taken'});
      var showTaken = function (value) {
        taken.textContent = (config.keys || []).indexOf(value) !== -1 && value !== config.key ? S.process_id_taken : '';
      };
      container.appendChild(textField(S.process_id, entry.process.id, function (value) {
        value = value.trim();
        showTaken(value);
        if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && value !== entry.process.id && !registry.get(value)) { update({id: value}); }
      }, {help: S.process_id_help, code: true, key: 'process-id', testid: 'process-id'}));
      container.appendChild(taken);
      showTaken(entry.process.id);
      container.appendChild(textField(S.name, entry.process.name, function (value) { update({name: value || undefined}); }, {key: 'process-name', testid: 'process-name'}));
      container.appendChild(checkbox(S.executable, entry.process.isExecutable, function (value) { update({isExecutable: value}); }, 'process-executable'));
    });
    container.appendChild(P.node('p', {className: 'small text-secondary', text: S.nothing_selected}));
  }

  function panelContext(element) {
    var userTasks = registry.filter(function (other) {
      return other !== element && isAny(other, ['bpmn:UserTask', 'bpmn:ManualTask']) && other.type !== 'label';
    }).map(function (other) { return [other.id, (other.businessObject.name || other.id) + ' (' + other.id + ')']; });
    var choices = Object.assign({}, config.choices, {user_tasks: userTasks});
    return {choices: choices, strings: S, check: check};
  }

  function renderUserTask(container, element) {
    var context = panelContext(element);
    var sections = config.sections[typeOf(element).replace('bpmn:', '')] || [];
    sections.forEach(function (section) {
      var items = potokDicts(element.businessObject, section.element);
      container.appendChild(P.renderSection(section, items, context, function (list) {
        writePotok(element, section.element, list);
      }));
    });
  }

  function renderAction(container, element) {
    var businessObject = element.businessObject;
    var action = potokDicts(businessObject, 'action')[0] || {};
    var attributeName = businessObject.$attrs && Object.keys(businessObject.$attrs).find(function (key) {
      return /:action$/.test(key) && businessObject.$attrs[key];
    });
    if (!action.name && attributeName) { action.name = businessObject.$attrs[attributeName]; }
    var parameters = action.parameter = action.parameter || [];
    var save = function () {
      if (attributeName && businessObject.$attrs) { delete businessObject.$attrs[attributeName]; attributeName = null; }
      var dict = {name: action.name};
      var filled = parameters.filter(function (parameter) { return parameter.name; });
      if (filled.length) { dict.parameter = filled; }
      writePotok(element, 'action', action.name ? [dict] : []);
    };
    container.appendChild(heading(S.action));
    var id = P.nextId('pd');
    var select = P.node('select', {className: 'form-select form-select-sm', id: id, 'data-testid': 'action-select'});
    select.appendChild(P.node('option', {value: '', text: S.action_none}));
    var known = false;
    config.actions.forEach(function (registered) {
      if (registered.name === action.name) { known = true; }
      select.appendChild(P.node('option', {value: registered.name, text: registered.label ? registered.label + ' (' + registered.name + ')' : registered.name}));
    });
    if (action.name && !known) { select.appendChild(P.node('option', {value: action.name, text: P.format(S.action_unregistered, {name: action.name})})); }
    select.value = action.name || '';
    select.addEventListener('change', function () {
      action.name = select.value;
      var declared = (config.actions.find(function (item) { return item.name === action.name; }) || {}).parameters || [];
      declared.forEach(function (parameter) {
        if (!parameters.some(function (existing) { return existing.name === parameter.name; })) { parameters.push({name: parameter.name}); }
      });
      save();
      renderPanel();
      var again = panel.querySelector('[data-testid=action-select]');
      if (again) { again.focus(); }
    });
    container.appendChild(P.node('div', {className: 'mb-2'}, [P.node('label', {className: 'form-label', for: id, text: S.action}), select]));
    if (!config.actions.length) { container.appendChild(P.node('p', {className: 'small text-secondary', text: S.no_actions})); }
    if (!action.name) { return; }
    var declared = (config.actions.find(function (item) { return item.name === action.name; }) || {}).parameters || [];
    container.appendChild(P.node('h4', {className: 'small fw-semibold mt-2 mb-1', text: S.parameters}));
    parameters.forEach(function (parameter, index) {
      var box = P.node('div', {className: 'potok-panel-item'});
      var help = declared.find(function (item) { return item.name === parameter.name; });
      var nameId = P.nextId('pd');
      var nameInput = P.node('input', {className: 'form-control form-control-sm font-monospace', id: nameId, spellcheck: 'false'});
      nameInput.value = parameter.name || '';
      nameInput.addEventListener('change', function () { parameter.name = nameInput.value.trim(); save(); });
      var remove = P.node('button', {type: 'button', className: 'btn btn-sm btn-outline-danger', 'aria-label': S.remove + ': ' + (parameter.name || S.parameter), title: S.remove}, [
        P.node('i', {className: 'bi bi-trash', 'aria-hidden': 'true'})
      ]);
      remove.addEventListener('click', function () { parameters.splice(index, 1); save(); renderPanel(); });
      box.appendChild(P.node('div', {className: 'potok-panel-item-head'}, [P.node('span', {text: S.parameter + ' ' + (index + 1)}), remove]));
      box.appendChild(P.node('label', {className: 'form-label', for: nameId, text: S.parameter_name}));
      box.appendChild(nameInput);
      if (help && help.help) { box.appendChild(P.node('div', {className: 'form-text', text: help.help})); }
      var valueId = P.nextId('pd');
      var value = P.checkedInput({
        id: valueId, kind: 'expression', value: parameter.text || '', strings: S, check: check,
        onInput: function (text) { parameter.text = text; }
      });
      value.input.addEventListener('change', save);
      value.input.addEventListener('input', P.debounce(save, 300));
      box.appendChild(P.node('label', {className: 'form-label mt-1', for: valueId, text: S.parameter_value}));
      box.appendChild(value.input);
      box.appendChild(value.output);
      container.appendChild(box);
    });
    var add = P.node('button', {type: 'button', className: 'btn btn-sm btn-outline-primary'}, [
      P.node('i', {className: 'bi bi-plus-lg', 'aria-hidden': 'true'}), document.createTextNode(' ' + S.add + ': ' + S.parameter.toLowerCase())
    ]);
    add.addEventListener('click', function () {
      parameters.push({name: ''});
      renderPanel();
      var inputs = panel.querySelectorAll('.potok-panel-item input');
      if (inputs.length) { inputs[inputs.length - 2 >= 0 ? inputs.length - 2 : 0].focus(); }
    });
    container.appendChild(add);
  }

  function renderFlow(container, element) {
    var businessObject = element.businessObject;
    var source = element.source;
    if (!source) { return; }
    var conditional = isAny(source, GATEWAYS_WITH_CONDITIONS) || isAny(source, ACTIVITIES);
    if (!conditional) { return; }
    container.appendChild(heading(S.condition));
    var isDefault = source.businessObject.default === businessObject;
    var current = businessObject.conditionExpression ? (businessObject.conditionExpression.body || '') : '';
    var id = P.nextId('pd');
    var writeCondition = P.debounce(function () {
      var text = input.value.trim();
      var existing = businessObject.conditionExpression ? (businessObject.conditionExpression.body || '') : '';
      if (text === existing.trim()) { return; }
      write(function () {
        modeling.updateProperties(element, {
          conditionExpression: text ? bpmnFactory.create('bpmn:FormalExpression', {body: text}) : undefined
        });
      });
    }, 300);
    var checked = P.checkedInput({id: id, kind: 'expression', value: current, placeholder: 'amount > 10000', strings: S, check: check, onInput: function () {
      // A typed expression is the condition now: the builder's tree no longer describes it.
      if (potokDicts(businessObject, 'conditionTree').length) { writePotok(element, 'conditionTree', []); }
      writeCondition();
    }});
    var input = checked.input;
    input.setAttribute('data-testid', 'condition');
    input.addEventListener('change', function () { writeCondition.flush(); });
    if (isAny(source, GATEWAYS_WITH_CONDITIONS) && window.PotokConditionBuilder && config.condition) {
      container.appendChild(conditionBuilder(element, input, checked.output));
    }
    container.appendChild(P.node('label', {className: 'form-label', for: id, text: S.condition}));
    container.appendChild(input);
    container.appendChild(checked.output);
    container.appendChild(P.node('div', {className: 'form-text mb-2', text: S.condition_help}));
    if (isAny(source, GATEWAYS_WITH_CONDITIONS) || isAny(source, ACTIVITIES)) {
      container.appendChild(checkbox(S.default_flow, isDefault, function (value) {
        write(function () { modeling.updateProperties(source, {'default': value ? businessObject : undefined}); });
        renderPanel();
      }, 'default-flow'));
    }
  }

  /* The start rule editor's condition builder for a flow out of a gateway. Its fields are the process
   * variables the diagram declares and the fields of the record the process is started from; each edit is
   * compiled by the server to the expression the engine runs (the same AST), written to the flow's
   * conditionExpression, and the tree is kept in <potok:conditionTree> so that it shows again. */
  function conditionBuilder(element, input, output) {
    var C = config.condition;
    var businessObject = element.businessObject;
    var stored = potokDicts(businessObject, 'conditionTree')[0];
    var tree = {};
    if (stored && stored.text) { try { tree = JSON.parse(stored.text); } catch (error) { tree = {}; } }
    var process = canvas.getRootElement().businessObject;
    var variables = process && process.$type === 'bpmn:Process' ? potokDicts(process, 'variable') : [];
    var fields = variables.filter(function (item) { return item.name; }).map(function (item) {
      return {code: item.name, label: item.name + ' (' + C.labels.variable + ')', type: 'any', target: '', choices: [], operators: C.variable_operators};
    }).concat(C.record_fields);
    var box = P.node('div', {className: 'mb-2 potok-flow-builder', 'data-testid': 'flow-condition-builder'});
    var status = P.node('div', {className: 'small mt-1', 'aria-live': 'polite', 'data-testid': 'flow-condition-status'});
    var lastSent = stored && stored.text ? stored.text : '{}';
    var compile = P.debounce(function (value) {
      var text = JSON.stringify(value);
      if (text === lastSent) { return; }
      lastSent = text;
      post(C.compile_url, {tree: text}).then(function (response) {
        if (!response.body.ok) {
          status.className = 'small mt-1 text-danger';
          status.textContent = response.body.message;
          return;
        }
        status.className = 'small mt-1 text-secondary';
        status.textContent = '';
        var expression = response.body.expression;
        input.value = expression;
        output.textContent = '';
        write(function () {
          modeling.updateProperties(element, {
            conditionExpression: expression ? bpmnFactory.create('bpmn:FormalExpression', {body: expression}) : undefined
          });
        });
        writePotok(element, 'conditionTree', Object.keys(value).length ? [{text: text}] : []);
      }).catch(function (error) {
        status.className = 'small mt-1 text-danger';
        status.textContent = error.message;
      });
    }, 400);
    var root = P.node('div');
    box.appendChild(root);
    box.appendChild(status);
    window.PotokConditionBuilder.mount(root, {
      labels: C.labels,
      schema: {fields: fields},
      tree: tree,
      onChange: function (value) { compile(value); }
    });
    return box;
  }

  var TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

  function renderTimer(container, element) {
    var definition = (element.businessObject.eventDefinitions || []).find(function (item) { return item.$type === 'bpmn:TimerEventDefinition'; });
    if (!definition) { return; }
    container.appendChild(heading(S.timer));
    var kind = TIMER_KINDS.find(function (name) { return definition[name]; }) || 'timeDuration';
    var value = definition[kind] ? (definition[kind].body || '') : '';
    var kindId = P.nextId('pd');
    var select = P.node('select', {className: 'form-select form-select-sm', id: kindId, 'data-testid': 'timer-kind'});
    [['timeDuration', S.timer_duration], ['timeDate', S.timer_date], ['timeCycle', S.timer_cycle]].forEach(function (choice) {
      select.appendChild(P.node('option', {value: choice[0], text: choice[1]}));
    });
    select.value = kind;
    var valueId = P.nextId('pd');
    var save = function () {
      var properties = {};
      TIMER_KINDS.forEach(function (name) { properties[name] = undefined; });
      var text = input.value.trim();
      if (text) { properties[select.value] = bpmnFactory.create('bpmn:FormalExpression', {body: text}); }
      write(function () { modeling.updateModdleProperties(element, definition, properties); });
    };
    var later = P.debounce(save, 300);
    var checked = P.checkedInput({id: valueId, kind: kind, value: value, placeholder: S.timer_placeholder, strings: S, check: check, onInput: later});
    var input = checked.input;
    input.setAttribute('data-testid', 'timer-value');
    input.addEventListener('change', function () { later.flush(); });
    select.addEventListener('change', function () {
      input.setAttribute('data-check', select.value);
      save();
      renderPanel();
    });
    container.appendChild(P.node('div', {className: 'mb-2'}, [P.node('label', {className: 'form-label', for: kindId, text: S.timer_kind}), select]));
    container.appendChild(P.node('label', {className: 'form-label', for: valueId, text: S.timer_value}));
    container.appendChild(input);
    container.appendChild(checked.output);
    container.appendChild(P.node('div', {className: 'form-text', text: S.timer_help}));
  }

  function renderPanel() {
    var selected = selection.get();
    var element = selected.length === 1 ? selected[0] : null;
    if (element && element.type === 'label') { element = element.labelTarget; }
    if (element && element === canvas.getRootElement()) { element = null; }
    var focusedTestid = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.getAttribute('data-testid') : null;
    var container = P.node('div');
    container.appendChild(elementPicker(element));
    if (!element) {
      renderProcess(container);
    } else {
      var businessObject = element.businessObject;
      container.appendChild(P.node('h2', {'data-testid': 'panel-title'}, [
        document.createTextNode(typeLabel(element) + ' '),
        P.node('code', {className: 'small', text: element.id})
      ]));
      container.appendChild(textField(S.name, businessObject.name, function (value) {
        if ((businessObject.name || '') === value) { return; }
        write(function () { modeling.updateLabel(element, value || null); });
      }, {multiline: true, key: 'name', testid: 'element-name'}));
      if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask'])) { renderUserTask(container, element); }
      if (isAny(element, ['bpmn:ServiceTask', 'bpmn:SendTask'])) { renderAction(container, element); }
      if (typeOf(element) === 'bpmn:SequenceFlow') { renderFlow(container, element); }
      if (/Event$/.test(typeOf(element))) { renderTimer(container, element); }
    }
    panel.textContent = '';
    panel.appendChild(container);
    if (focusedTestid) {
      var again = panel.querySelector('[data-testid="' + focusedTestid + '"]');
      if (again) { again.focus(); }
    }
  }

  /* Select an element (or the process, for an id that is not drawn) and bring it into view. */
  function reveal(id) {
    var element = id ? registry.get(id) : null;
    if (element && element !== canvas.getRootElement()) {
      selection.select(element);
      window.PotokDiagrams.centre(canvas, element);
    } else {
      selection.select([]);
    }
    renderPanel();
  }

  eventBus.on('selection.changed', function () { if (!loading) { renderPanel(); } });
  eventBus.on('commandStack.changed', function () {
    if (loading) { return; }
    setDirty(true);
    if (!writing) { setTimeout(renderPanel, 0); }
  });

  /* -- validation, saving, import and export -------------------------------------------------------- */

  function showProblems(problems) {
    problemsList.textContent = '';
    problemsBox.hidden = false;
    if (!problems.length) {
      problemsList.appendChild(P.node('li', {className: 'list-group-item list-group-item-success', text: S.valid}));
      return;
    }
    problems.forEach(function (problem) {
      var error = problem.severity === 'error';
      var button = P.node('button', {
        type: 'button', className: 'btn btn-link btn-sm p-0 potok-problem-button text-body text-decoration-none',
        'data-element': problem.element_id || ''
      }, [
        P.node('span', {className: 'badge me-1 ' + (error ? 'text-bg-danger' : 'text-bg-warning'), text: error ? S.error : S.warning}),
        P.node('code', {className: 'me-1', text: problem.element_id || S.process_level}),
        document.createTextNode(problem.message + (problem.line ? ' (' + problem.line + ')' : ''))
      ]);
      button.addEventListener('click', function () {
        reveal(problem.element_id);
        canvasElement.scrollIntoView({block: 'nearest'});
      });
      problemsList.appendChild(P.node('li', {className: 'list-group-item', 'data-severity': problem.severity}, [button]));
    });
  }

  function currentXml() {
    return modeler.saveXML({format: true}).then(function (result) { return result.xml; });
  }

  function validate() {
    setStatus(S.validating);
    return currentXml().then(function (xml) {
      return post(config.urls.validate, {xml: xml});
    }).then(function (response) {
      showProblems(response.body.problems || []);
      setStatus('');
      return response.body;
    });
  }

  function save(publish) {
    var start = publish ? validate().then(function (result) {
      if (!result.valid) { setStatus(S.not_published, 'error'); return false; }
      return ask(S.publish_confirm);
    }) : Promise.resolve(true);
    return start.then(function (go) {
      if (!go) { return null; }
      setStatus(S.saving);
      return currentXml().then(function (xml) {
        return post(config.urls.save, {xml: xml, publish: publish ? '1' : '0', key: config.key || ''});
      }).then(function (response) {
        var body = response.body;
        if (!body.ok) {
          setStatus(body.message, 'error');
          showProblems(body.problems || []);
          return body;
        }
        setDirty(false);
        setStatus(body.message, 'success');
        if ((body.problems || []).length) { showProblems(body.problems); } else { problemsBox.hidden = true; }
        var shown = body.versions[0];
        config.key = shown.key;
        body.versions.forEach(function (version) { if ((config.keys || []).indexOf(version.key) === -1) { (config.keys = config.keys || []).push(version.key); } });
        config.version = shown.number;
        if (window.history && body.url) { window.history.replaceState(null, '', body.url); }
        var title = document.querySelector('[data-testid=designer-title]');
        if (title) {
          var root = canvas.getRootElement().businessObject;
          title.textContent = (root.name || shown.key) + ' · v' + shown.number + ' (' + (shown.status === 'published' ? S.published : S.draft) + ')';
        }
        return body;
      });
    }).catch(function (error) { setStatus(error.message, 'error'); });
  }

  function load(xml) {
    loading = true;
    return modeler.importXML(xml).then(function (result) {
      loading = false;
      canvas.zoom('fit-viewport', 'auto');
      setDirty(false);
      problemsBox.hidden = true;
      renderPanel();
      if (result.warnings && result.warnings.length) { setStatus(P.format(S.import_warnings, {count: result.warnings.length}), 'warning'); }
      return true;
    }).catch(function (error) {
      loading = false;
      setStatus(P.format(S.import_failed, {error: error.message}), 'error');
      return false;
    });
  }

  function exportFile() {
    currentXml().then(function (xml) {
      var root = canvas.getRootElement().businessObject;
      var process = typeOf(canvas.getRootElement()) === 'bpmn:Process' ? root : ((root.participants || [])[0] || {}).processRef || root;
      var link = P.node('a', {href: URL.createObjectURL(new Blob([xml], {type: 'application/xml'})), download: (process.id || 'process') + '.bpmn'});
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    });
  }

  var fileInput = document.getElementById('designer-import');
  fileInput.addEventListener('change', function () {
    var file = fileInput.files[0];
    if (!file) { return; }
    var proceed = dirty ? ask(S.import_confirm) : Promise.resolve(true);
    proceed.then(function (go) {
      if (!go) { fileInput.value = ''; return; }
      file.text().then(function (text) {
        fileInput.value = '';
        load(text).then(function (ok) { if (ok) { setDirty(true); setStatus(file.name, 'success'); } });
      });
    });
  });

  var actions = {
    'import': function () { fileInput.click(); },
    'export': exportFile,
    validate: validate,
    save: function () { save(false); },
    publish: function () { save(true); },
    'open-version': function () { window.location.assign(document.getElementById('designer-version').value); }
  };
  document.querySelectorAll('button[data-designer]').forEach(function (button) {
    var action = actions[button.dataset.designer];
    if (action) { button.addEventListener('click', function () { action(); }); }
  });

  window.PotokDesigner = {modeler: modeler, reveal: reveal, load: load, validate: validate, save: save};
  load(config.xml).then(function () { canvasElement.classList.add('potok-designer-ready'); });
})();
