/* The instance page: pick the nodes of an operation on the diagram, check the variables' JSON as it is
 * typed, show the tooltips of the page. */
(function () {
  'use strict';
  var canvas = document.getElementById('instance-canvas');
  var armed = null;
  var status = document.querySelector('[data-pick-status]');
  var data = canvas && window.PotokDiagrams ? window.PotokDiagrams.readJSON(canvas.dataset.diagram) : null;
  var strings = (data && data.strings) || {};

  document.querySelectorAll('[data-pick]').forEach(function (button) {
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', function () {
      document.querySelectorAll('[data-pick]').forEach(function (other) {
        other.setAttribute('aria-pressed', 'false');
        other.classList.remove('active');
      });
      armed = armed === button ? null : button;
      if (armed) {
        button.setAttribute('aria-pressed', 'true');
        button.classList.add('active');
        if (canvas) { canvas.classList.add('potok-picking'); canvas.scrollIntoView({block: 'nearest'}); }
      } else if (canvas) {
        canvas.classList.remove('potok-picking');
      }
    });
  });

  if (canvas) {
    canvas.addEventListener('potok:element-click', function (event) {
      if (!armed) { return; }
      var select = document.getElementById(armed.dataset.pick);
      var option = select && select.querySelector('option[value="' + CSS.escape(event.detail.id) + '"]');
      if (option) {
        select.value = event.detail.id;
        select.dispatchEvent(new Event('change', {bubbles: true}));
        if (status && window.PotokDiagrams) {
          status.textContent = window.PotokDiagrams.format(strings.picked || '%(name)s', {name: event.detail.name});
        }
        armed.setAttribute('aria-pressed', 'false');
        armed.classList.remove('active');
        select.focus();
        armed = null;
        canvas.classList.remove('potok-picking');
      }
    });
  }

  var form = document.querySelector('[data-json-form]');
  if (form) {
    var area = form.querySelector('textarea');
    var feedback = form.querySelector('.invalid-feedback');
    var submit = form.querySelector('[type=submit]');
    var check = function () {
      var problem = '';
      try {
        var value = JSON.parse(area.value);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) { problem = form.dataset.jsonObject; }
      } catch (error) {
        problem = form.dataset.jsonInvalid + ' ' + error.message;
      }
      feedback.textContent = problem;
      area.classList.toggle('is-invalid', !!problem);
      area.setAttribute('aria-invalid', problem ? 'true' : 'false');
      submit.disabled = !!problem;
    };
    area.addEventListener('input', check);
    check();
  }

  if (window.bootstrap) {
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (element) {
      window.bootstrap.Tooltip.getOrCreateInstance(element);
    });
  }
})();
