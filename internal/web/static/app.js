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
  // Countdown: <span data-countdown="2026-12-31T16:00:00Z"> shows the time
  // left, updated every minute (the server wrote the days left).
  function countdown(el) {
    var end = Date.parse(el.getAttribute("data-countdown"));
    if (isNaN(end)) {
      return;
    }
    var tick = function () {
      var ms = end - Date.now();
      if (ms <= 0) {
        el.textContent = "已截止";
        return;
      }
      var d = Math.floor(ms / 86400000), h = Math.floor((ms % 86400000) / 3600000), m = Math.floor((ms % 3600000) / 60000);
      el.textContent = "还剩 " + (d > 0 ? d + " 天 " : "") + h + " 小时 " + m + " 分";
      setTimeout(tick, 60000);
    };
    tick();
  }
  // Live count: <span data-live-count="/…/count.json"> refreshes the number
  // of comments every minute while the page is open.
  function liveCount(el) {
    var url = el.getAttribute("data-live-count");
    var poll = function () {
      if (!window.fetch) {
        return;
      }
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (j) {
        if (j && typeof j.comments === "number" && String(j.comments) !== el.textContent) {
          el.textContent = String(j.comments);
        }
        if (j && j.phase === "open") {
          setTimeout(poll, 60000);
        }
      }).catch(function () {});
    };
    setTimeout(poll, 60000);
  }
  // Move focus to the list of form errors so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var errs = document.getElementById("form-errors");
    if (errs) {
      errs.focus();
    }
    var i, list = document.querySelectorAll("[data-countdown]");
    for (i = 0; i < list.length; i++) {
      countdown(list[i]);
    }
    list = document.querySelectorAll("[data-live-count]");
    for (i = 0; i < list.length; i++) {
      liveCount(list[i]);
    }
  });
})();
