// The interview plan page: small behaviours around htmx (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // The CSP forbids inline styles: nothing with a style attribute is settled after a swap.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  // While the plan is being made, the status region says so (it is announced), and the plan is busy.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (!source || !source.hasAttribute || !source.hasAttribute("data-plan-form")) {
      return;
    }
    var region = document.getElementById("plan-progress");
    var text = region && region.querySelector(".sched-progress__text");
    if (text) {
      text.textContent = region.getAttribute("data-busy-text");
    }
    var result = document.getElementById("plan-result");
    if (result) {
      result.setAttribute("aria-busy", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    if (!source || !source.hasAttribute || !source.hasAttribute("data-plan-form")) {
      return;
    }
    // the answer brought the run's progress (the worker plans; the page polls it): leave it be
    var region = document.getElementById("plan-progress");
    if (region && !region.classList.contains("is-running")) {
      var text = region.querySelector(".sched-progress__text");
      if (text) {
        text.textContent = "";
      }
    }
    var result = document.getElementById("plan-result");
    if (result) {
      result.removeAttribute("aria-busy");
    }
  });

  // A refusal (422) or a problem (400) comes back as the page: swap it in like a success, so the
  // coordinator reads it where they clicked.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After the plan is swapped in, move focus to what it says (planned, or refused).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = document.getElementById("plan-result");
    if (!target) {
      return;
    }
    var answer = target.querySelector("[data-focus-after-swap]");
    if (answer) {
      answer.focus();
    }
  });

  function ready() {
    var answer = document.querySelector("[data-focus-after-swap]");
    if (answer) {
      answer.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
