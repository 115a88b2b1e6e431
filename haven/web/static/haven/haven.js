// Haven's own script: small behaviours that must not live inline (the CSP forbids inline scripts).
(function () {
  "use strict";
  // Buttons that ask before a consequential action: <button data-confirm="Disable this account?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // On a phone the operation's tabs scroll sideways: bring the current one into sight (the row only,
  // never the page).
  function currentTabInSight() {
    document.querySelectorAll(".tabs ul").forEach(function (row) {
      var current = row.querySelector("[aria-current=page]");
      if (current && row.scrollWidth > row.clientWidth) {
        var item = current.parentElement || current;
        row.scrollLeft = Math.max(0, item.offsetLeft - row.offsetLeft - (row.clientWidth - item.offsetWidth) / 2);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", currentTabInSight);
  } else {
    currentTabInSight();
  }
})();
