// The live board and the person page: small behaviours around htmx (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // The CSP forbids inline styles: there is no style attribute to carry over from old content to new
  // when htmx settles a swap, and applying one would be refused.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  // An action's form comes back with its problems (400) or a guardrail's refusal (422): swap it in like a
  // success, so the person sees the message next to the form, with what they typed. A page that says
  // "not found", "not allowed" or "changed by someone else" replaces the main content instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 403 || status === 404 || status === 409) {
      var main = document.getElementById("main");
      if (main) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
        event.detail.target = main;
        event.detail.selectOverride = "#main";
        event.detail.swapOverride = "outerHTML";
      }
    }
  });

  // After a form's answer is swapped in, move focus to what it says (saved, refused, or the first field
  // with a problem). Polling swaps are never followed by a focus move: they must not steal focus.
  function focusAnswer(root) {
    var target = root.querySelector("[data-focus-after-swap]") || root.querySelector("[aria-invalid=true]");
    if (target) {
      target.focus({ preventScroll: false });
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!source || source.tagName !== "FORM") {
      return;
    }
    var target = event.detail.target;
    var root = target && document.body.contains(target) ? target : document;
    if (target && target.id) {
      root = document.getElementById(target.id) || document;
    }
    focusAnswer(root);
  });

  // The board refreshes itself; when a refresh brings an imminent-danger flag or a separation alert that
  // was not there before, say so in the live region (the refreshed list itself is not a live region, so
  // an unchanged board is not read out every 15 seconds).
  function alertsOn(root) {
    var found = {};
    root.querySelectorAll("[id^='danger-link-'], [id^='separation-suspect-']").forEach(function (link) {
      found[link.id] = link.closest("li") ? link.closest("li").textContent.trim() : link.textContent.trim();
    });
    return found;
  }
  var boardAlerts = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-live") {
      boardAlerts = alertsOn(event.detail.target);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var announcer = document.getElementById("board-announcer");
    if (!target || target.id !== "board-live" || !announcer || boardAlerts === null) {
      return;
    }
    var now = alertsOn(target);
    var fresh = Object.keys(now).filter(function (key) { return !(key in boardAlerts); });
    if (fresh.length) {
      announcer.textContent = fresh.map(function (key) {
        return (key.indexOf("danger-") === 0 ? "Imminent danger: " : "Separation alert: ") + now[key];
      }).join(" ");
    }
  });

  // The board's poll names the version it shows (If-None-Match); the server answers 304 when nothing this
  // reader sees changed: nothing to swap, nothing rendered, nothing audited. A 200 brings the new version
  // (ETag), and so may a 304 (the same version, sealed for this session: haven/web/board_polls.py).
  // Responses say no-store, so the browser keeps no copy: the version lives on the element.
  function boardLive(elt) {
    return elt && elt.id === "board-live" ? elt : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var live = boardLive(event.detail.elt);
    if (live && live.dataset.boardVersion) {
      event.detail.headers["If-None-Match"] = '"' + live.dataset.boardVersion + '"';
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (boardLive(event.detail.elt) && event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var live = boardLive(event.detail.elt);
    var xhr = event.detail.xhr;
    if (live && xhr && (xhr.status === 200 || xhr.status === 304) && xhr.getResponseHeader("ETag")) {
      var tag = (xhr.getResponseHeader("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
      live.dataset.boardVersion = tag;
    }
  });

  // Panels marked data-open-wide (the board's filters) start open on a wide screen and folded on a phone.
  function openWide() {
    if (!window.matchMedia("(min-width: 48rem)").matches) {
      return;
    }
    document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      panel.open = true;
    });
  }

  function ready() {
    openWide();
    // A page that answers a form without JavaScript (saved, refused) puts focus on the answer too.
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
