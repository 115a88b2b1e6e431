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
})();
