// Progress bar of a running selection: polls the run's progress JSON every two seconds and
// shows the phase, the overall percent and the time left;
// reloads the page when the run has finished. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("run-progress-bar");
  var text = document.getElementById("run-progress-text");
  var heading = document.getElementById("run-status");  // the status in the page's heading
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        if (data.finished) { window.location.reload(); return; }
        // One overall bar: a selection run's server sends the overall percent (never
        // decreasing) and one translated line with the phase and the time left (``text``);
        // an import job sends status, phase and percent only.
        if (data.percent >= bar.value) { bar.value = data.percent; }
        bar.textContent = data.percent + " %";
        var status = data.status_display ||
          data.status.charAt(0).toUpperCase() + data.status.slice(1);
        if (heading) { heading.textContent = status; }
        var line = data.text ||
          status + (data.phase ? ": " + data.phase : "") + " (" + data.percent + "%)";
        text.textContent = line + (data.cancel_requested ? " · cancelling…" : "");
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
