// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions (forms marked data-confirm="question").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Prevent double submits on slow Wi-Fi: disable the button once the form leaves.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var button = event.submitter;
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  // Bring the error summary into view so the user sees what to fix.
  var summary = document.getElementById("erreurs");
  if (summary) summary.focus();
})();
