// Cuarto de Junto: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  var FOCUSABLE_ERROR = "[aria-invalid='true'], .form-errors, .errorlist";

  function focusElement(element) {
    if (!element) {
      return false;
    }
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: false });
    return true;
  }

  // Where focus should go inside freshly swapped content: an explicit [data-autofocus], else the first
  // field in error, else (only when the focused element was swapped away) the first heading.
  function focusAfterSwap(target) {
    if (!target || !target.isConnected) {
      return;
    }
    if (focusElement(target.querySelector("[data-autofocus]"))) {
      return;
    }
    var error = target.querySelector(FOCUSABLE_ERROR);
    if (error) {
      var field = target.querySelector("[aria-invalid='true']");
      focusElement(field || error);
      return;
    }
    var active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) {
      focusElement(target.querySelector("h1, h2, h3, h4") || target);
    }
  }

  function announce(text) {
    var region = document.querySelector(".messages");
    if (!region || !text) {
      return;
    }
    var message = document.createElement("p");
    message.className = "message message-error";
    message.textContent = text;
    region.appendChild(message);
  }

  // Stacked tables (table.stack, app.css) turn cells into blocks on phones, and some browsers then stop exposing
  // them as a table. Explicit ARIA roles keep rows, column headers and cells announced as such.
  var TABLE_ROLES = [
    ["table.stack", "table"],
    ["table.stack > thead, table.stack > tbody", "rowgroup"],
    ["table.stack > thead > tr, table.stack > tbody > tr", "row"],
    ["table.stack > thead > tr > th, table.stack > thead > tr > td", "columnheader"],
    ["table.stack > tbody > tr > th[scope='row']", "rowheader"],
    ["table.stack > tbody > tr > td", "cell"]
  ];

  function keepTableRoles(root) {
    TABLE_ROLES.forEach(function (pair) {
      if (root.matches && root.matches(pair[0])) {
        root.setAttribute("role", pair[1]);
      }
      root.querySelectorAll(pair[0]).forEach(function (element) {
        element.setAttribute("role", pair[1]);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    keepTableRoles(document);
    var initial = document.querySelector("main [data-autofocus]");
    if (initial) {
      focusElement(initial);
    }
  });

  // Inline validation swaps only a field's message (see includes/field.html). Mark the field invalid or valid to
  // match, and nothing more: the user is typing elsewhere by now, so focus and scroll are left alone.
  function isInlineMessage(target) {
    return Boolean(target && target.id && /_errors$/.test(target.id) && target.getAttribute("aria-live"));
  }

  function markField(container) {
    var wrapper = container.closest(".field");
    if (!wrapper) {
      return;
    }
    var invalid = container.textContent.trim() !== "";
    wrapper.classList.toggle("field-error", invalid);
    wrapper.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    keepTableRoles(event.target.isConnected ? event.target : document);
    // With hx-swap="outerHTML" the original target has left the document; the new element is event.target.
    var target = event.detail.target;
    if (isInlineMessage(target)) {
      markField(target);
      return;
    }
    focusAfterSwap(target && target.isConnected ? target : event.target);
  });

  function onHtmxFailure() {
    announce(document.body.getAttribute("data-htmx-error"));
  }
  document.body.addEventListener("htmx:responseError", onHtmxFailure);
  document.body.addEventListener("htmx:sendError", onHtmxFailure);
})();
