/* Read-only diagrams (bpmn-js NavigatedViewer): an instance's state as markers, a version's heatmap as
 * overlays, the difference of two versions as markers. Each container names the JSON data block it
 * draws (data-diagram) and its mode (data-mode); texts come translated in that block's "strings".
 *
 * Other scripts listen on the container for "potok:diagram-ready" and "potok:element-click". */
(function () {
  'use strict';

  var MARKERS = {
    completed: 'potok-completed',
    active: 'potok-active',
    failed: 'potok-failed',
    added: 'potok-diff-added',
    removed: 'potok-diff-removed',
    changed: 'potok-diff-changed'
  };

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function format(template, values) {
    return String(template || '').replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? match : values[key];
    });
  }

  function humanDuration(seconds, strings) {
    if (seconds === null || seconds === undefined) { return '—'; }
    var round = function (value) { return value >= 10 ? Math.round(value) : Math.round(value * 10) / 10; };
    if (seconds < 60) { return format(strings.seconds, {n: round(seconds)}); }
    if (seconds < 3600) { return format(strings.minutes, {n: round(seconds / 60)}); }
    if (seconds < 86400) { return format(strings.hours, {n: round(seconds / 3600)}); }
    return format(strings.days, {n: round(seconds / 86400)});
  }

  function message(container, text, kind) {
    var note = document.createElement('p');
    note.className = 'potok-diagram-note ' + (kind === 'error' ? 'text-danger' : 'text-secondary');
    note.textContent = text;
    container.appendChild(note);
  }

  function exists(registry, id) { return !!registry.get(id); }

  function markInstance(viewer, state) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    var reached = {};
    ['completed', 'active', 'failed'].forEach(function (kind) {
      (state[kind] || []).forEach(function (id) {
        reached[id] = true;
        if (exists(registry, id)) { canvas.addMarker(id, MARKERS[kind]); }
      });
    });
    var completed = {};
    (state.completed || []).forEach(function (id) { completed[id] = true; });
    // A flow was taken when its source was passed and its target reached.
    registry.filter(function (element) { return element.type === 'bpmn:SequenceFlow'; }).forEach(function (flow) {
      var source = flow.businessObject.sourceRef, target = flow.businessObject.targetRef;
      if (source && target && completed[source.id] && reached[target.id]) {
        canvas.addMarker(flow.id, MARKERS.completed);
      }
    });
  }

  function heatColour(fraction) {
    // green (fast) → amber → red (slow); dark enough for white text (contrast ≥ 4.5:1).
    var hue = Math.round(120 * (1 - Math.max(0, Math.min(1, fraction))));
    return 'hsl(' + hue + ', 80%, 28%)';
  }

  function showHeat(viewer, heat, strings) {
    var overlays = viewer.get('overlays');
    var registry = viewer.get('elementRegistry');
    var slowest = 0;
    heat.forEach(function (item) { slowest = Math.max(slowest, item.median_seconds || 0); });
    heat.forEach(function (item) {
      var element = registry.get(item.node_id);
      if (!element || element.type === 'bpmn:SequenceFlow') { return; }
      var badge = document.createElement('div');
      badge.className = 'potok-heat';
      badge.dataset.node = item.node_id;
      // Steps that take no time (events, gateways) show their counts only, in a neutral colour.
      var timed = (item.p90_seconds || 0) > 0;
      badge.style.backgroundColor = !timed ? '#475467'
        : heatColour(slowest ? item.median_seconds / slowest : 0);
      if (timed) {
        var time = document.createElement('div');
        time.className = 'potok-heat-time';
        time.textContent = strings.median + ' ' + humanDuration(item.median_seconds, strings) +
          ' · ' + strings.p90 + ' ' + humanDuration(item.p90_seconds, strings);
        badge.appendChild(time);
      }
      var counts = document.createElement('div');
      counts.textContent = strings.passed + ' ' + item.passed + ' · ' + strings.waiting + ' ' + item.waiting;
      badge.appendChild(counts);
      badge.title = badge.textContent;
      // Centred above the node, clear of the labels bpmn-js puts under events and gateways.
      overlays.add(item.node_id, 'potok-heat', {position: {top: timed ? -36 : -22, left: element.width / 2}, html: badge});
      if (item.waiting) { viewer.get('canvas').addMarker(item.node_id, 'potok-heat-waiting'); }
    });
  }

  function markDiff(viewer, markers) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    Object.keys(markers || {}).forEach(function (kind) {
      markers[kind].forEach(function (id) {
        if (exists(registry, id)) { canvas.addMarker(id, MARKERS[kind]); }
      });
    });
  }

  function zoomControls(container, viewer, strings) {
    var canvas = viewer.get('canvas');
    var bar = document.createElement('div');
    bar.className = 'potok-zoom btn-group-vertical';
    bar.setAttribute('role', 'group');
    [['zoom_in', 'bi-plus-lg', function () { canvas.zoom(canvas.zoom() * 1.25); }],
     ['zoom_out', 'bi-dash-lg', function () { canvas.zoom(canvas.zoom() / 1.25); }],
     ['fit', 'bi-arrows-fullscreen', function () { canvas.zoom('fit-viewport', 'auto'); }]
    ].forEach(function (spec) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-light btn-sm border';
      button.setAttribute('aria-label', strings[spec[0]]);
      button.title = strings[spec[0]];
      var icon = document.createElement('i');
      icon.className = 'bi ' + spec[1];
      icon.setAttribute('aria-hidden', 'true');
      button.appendChild(icon);
      button.addEventListener('click', spec[2]);
      bar.appendChild(button);
    });
    container.appendChild(bar);
  }

  /* Put an element (shape or connection) in the middle of the visible canvas, keeping the zoom. */
  function centre(canvas, element) {
    var points = element.waypoints || [
      {x: element.x, y: element.y}, {x: element.x + (element.width || 0), y: element.y + (element.height || 0)}
    ];
    if (points.some(function (point) { return point.x === undefined || point.y === undefined; })) { return; }
    var xs = points.map(function (point) { return point.x; });
    var ys = points.map(function (point) { return point.y; });
    var x = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
    var y = (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2;
    var box = canvas.viewbox();
    canvas.viewbox({x: x - box.width / 2, y: y - box.height / 2, width: box.width, height: box.height});
  }

  /* Select an element and bring it into view (lists of problems and differences point at the diagram). */
  function reveal(viewer, id) {
    var element = viewer.get('elementRegistry').get(id);
    if (!element) { return false; }
    centre(viewer.get('canvas'), element);
    try { viewer.get('selection').select(element); } catch (ignored) { /* no selection module */ }
    return true;
  }

  async function open(container, given) {
    var config = given || readJSON(container.dataset.diagram) || {};
    var strings = config.strings || {};
    if (!config.xml) {
      message(container, container.dataset.emptyText || strings.no_data || '', 'info');
      return;
    }
    var viewer = new window.BpmnJS({container: container});
    try {
      await viewer.importXML(config.xml);
    } catch (error) {
      message(container, format(strings.load_failed, {error: error.message}), 'error');
      return;
    }
    viewer.get('canvas').zoom('fit-viewport', 'auto');
    var mode = container.dataset.mode;
    if (mode === 'instance') { markInstance(viewer, config.state || {}); }
    if (mode === 'heatmap') { showHeat(viewer, config.heat || [], strings); }
    if (mode === 'diff') { markDiff(viewer, config.markers); }
    zoomControls(container, viewer, strings);
    viewer.get('eventBus').on('element.click', function (event) {
      var element = event.element;
      container.dispatchEvent(new CustomEvent('potok:element-click', {
        bubbles: true,
        detail: {id: element.id, name: (element.businessObject && element.businessObject.name) || element.id}
      }));
    });
    container.potokViewer = viewer;
    container.classList.add('potok-diagram-ready');
    container.dispatchEvent(new CustomEvent('potok:diagram-ready', {bubbles: true, detail: {viewer: viewer}}));
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest('[data-reveal]');
    if (!link) { return; }
    var container = document.getElementById(link.dataset.revealIn);
    if (container && container.potokViewer) {
      event.preventDefault();
      reveal(container.potokViewer, link.dataset.reveal);
      container.scrollIntoView({block: 'nearest'});
    }
  });

  window.PotokDiagrams = {open: open, format: format, reveal: reveal, centre: centre, humanDuration: humanDuration, readJSON: readJSON};
  document.querySelectorAll('[data-diagram]').forEach(function (container) { open(container); });
})();
