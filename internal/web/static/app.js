// gongkai — progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // Ask before destructive or legal actions: <form data-confirm="确定…？">.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });
  // Move focus to the list of form errors so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var errs = document.getElementById("form-errors");
    if (errs) {
      errs.focus();
    }
  });
})();
