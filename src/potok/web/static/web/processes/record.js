/* On a record's page: "where is it on its diagram" opens the instance's diagram in place. The diagram
 * viewer (bpmn-js, ~200 kB) is fetched only when somebody opens one, not with every record page. */
(function () {
  'use strict';
  var section = document.querySelector('[data-testid=record-processes]');
  if (!section) { return; }
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function loadViewer() {
    if (!loading) {
      (section.dataset.viewerCss || '').split(' ').filter(Boolean).forEach(function (href) {
        var link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = href;
        document.head.appendChild(link);
      });
      loading = loadScript(section.dataset.viewerJs).then(function () { return loadScript(section.dataset.diagramJs); });
    }
    return loading;
  }

  section.querySelectorAll('details[data-diagram-url]').forEach(function (details) {
    details.addEventListener('toggle', function () {
      if (!details.open || details.dataset.loaded) { return; }
      details.dataset.loaded = '1';
      var container = details.querySelector('.potok-diagram');
      Promise.all([
        loadViewer(),
        fetch(details.dataset.diagramUrl, {credentials: 'same-origin'}).then(function (response) { return response.json(); })
      ]).then(function (results) {
        window.PotokDiagrams.open(container, results[1]);
      }).catch(function () {
        container.textContent = details.dataset.failedText || '';
      });
    });
  });
})();
