// The operation pages' small behaviours (the CSP forbids inline scripts; htmx does the rest).
(function () {
  "use strict";

  // The CSP forbids inline styles, so there is no style attribute to carry over from the old content to
  // the new while a swap settles; an empty one left behind by a tool would only raise CSP errors.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  // A refused save (409: someone else changed the section; 422: problems with what was typed) still
  // replaces the form: it carries the message and keeps what the person typed.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A link to a field or section inside a closed <details> opens it, so the target can be seen.
  function reveal(id) {
    var target = id ? document.getElementById(id) : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    return target;
  }
  function revealHash() {
    if (location.hash.length > 1) {
      reveal(decodeURIComponent(location.hash.slice(1)));
    }
  }
  document.addEventListener("DOMContentLoaded", revealHash);
  window.addEventListener("hashchange", revealHash);
  // A link to a section of this very page (`#plan-mou`, or `/operations/X/plan/#plan-mou` from the
  // readiness panel) opens it even when the address already ends in that fragment.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href*='#']") : null;
    if (link && link.hash.length > 1 && link.pathname === location.pathname) {
      reveal(decodeURIComponent(link.hash.slice(1)));
    }
  });

  // A timestamp's UTC offset, when left empty, is offered from the browser's time zone on that date.
  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }
  function offsetOn(localValue) {
    var moment = localValue ? new Date(localValue) : new Date();
    if (isNaN(moment.getTime())) {
      moment = new Date();
    }
    var minutes = -moment.getTimezoneOffset();
    var sign = minutes < 0 ? "-" : "+";
    minutes = Math.abs(minutes);
    return sign + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('.timestamp input[type="datetime-local"]')) {
      return;
    }
    var offset = input.closest(".timestamp").querySelector("[data-utc-offset]");
    if (offset && (!offset.value || offset.value === offset.getAttribute("data-suggested"))) {
      offset.value = offsetOn(input.value);
      offset.setAttribute("data-suggested", offset.value);
    }
  });
})();
