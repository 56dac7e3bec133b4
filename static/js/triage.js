// Triage workspace: keyboard shortcuts, the selected row, bulk selection. Progressive enhancement only: without
// this file every row is a link and every action a form.
(function () {
  "use strict";

  var workspace = document.querySelector(".triage-workspace");
  var help = document.getElementById("triage-help");
  var currentId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-list tr[data-position-id]"));
  }

  function isTyping(target) {
    if (!target || !target.closest) {
      return false;
    }
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function markCurrent(row) {
    rows().forEach(function (other) {
      other.classList.remove("is-current");
      other.removeAttribute("aria-current");
    });
    if (!row) {
      return;
    }
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    currentId = row.getAttribute("data-position-id");
    row.scrollIntoView({ block: "nearest" });
    var hidden = document.querySelector("[data-triage-open-id]");
    var filters = document.querySelector("[data-triage-filters]");
    if (!hidden && filters) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "position";
      hidden.setAttribute("data-triage-open-id", "");
      filters.appendChild(hidden);
    }
    if (hidden) {
      hidden.value = currentId;
    }
  }

  function openRow(row) {
    if (!row) {
      return;
    }
    markCurrent(row);
    row.focus({ preventScroll: true });
    var link = row.querySelector("a.row-link");
    if (link) {
      link.click();
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) {
      return;
    }
    var index = list.findIndex(function (row) {
      return row.getAttribute("data-position-id") === currentId;
    });
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    if (next < 0 || next >= list.length) {
      return;
    }
    openRow(list[next]);
  }

  function toggleHelp() {
    if (!help) {
      return;
    }
    if (help.open) {
      help.close();
    } else {
      help.showModal();
    }
  }

  function paneForm(selector) {
    return document.querySelector("#triage-pane " + selector);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.key === "Enter" && event.target.matches && event.target.matches("tr[data-position-id]")) {
      event.preventDefault();
      openRow(event.target);
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    if (help && help.open && event.key !== "?") {
      return;
    }
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "a": {
        var assign = paneForm("form[data-triage-assign-me]");
        if (!assign) {
          return;
        }
        assign.requestSubmit();
        break;
      }
      case "s": {
        var status = paneForm("[data-triage-status]");
        if (!status) {
          return;
        }
        status.focus();
        break;
      }
      case "/": {
        var search = document.querySelector("[data-triage-search]");
        if (!search) {
          return;
        }
        search.focus();
        search.select();
        break;
      }
      case "?":
        toggleHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.querySelectorAll("[data-triage-help-open]").forEach(function (button) {
    button.addEventListener("click", toggleHelp);
  });

  // A click on a title (or anywhere in its row but the checkbox) selects the row.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("#queue-list tr[data-position-id]");
    if (!row) {
      return;
    }
    if (event.target.closest("a.row-link")) {
      markCurrent(row);
    } else if (!event.target.closest("input, label, a, button")) {
      openRow(row);
    }
  });

  // Bulk selection: "select all" and the count of selected rows.
  function updateCount() {
    var count = document.querySelector("[data-triage-selected-count]");
    var checked = document.querySelectorAll("#queue-list input[name='ids']:checked").length;
    if (count) {
      var template = count.getAttribute(checked === 1 ? "data-one" : "data-many") || "";
      count.textContent = checked ? template.replace("%s", String(checked)) : "";
    }
    var all = document.querySelector("[data-triage-select-all]");
    var boxes = document.querySelectorAll("#queue-list input[name='ids']");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-triage-select-all]")) {
      document.querySelectorAll("#queue-list input[name='ids']").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("[data-triage-select-all], #queue-list input[name='ids']")) {
      updateCount();
    }
    if (event.target.matches("#id_bulk_action")) {
      showBulkFields();
    }
    // An error about the selection or the action goes once the official acts on it.
    if (event.target.matches("[data-triage-select-all], #queue-list input[name='ids'], [id^='id_bulk_']")) {
      document.querySelectorAll("#bulk-result .message-error").forEach(function (message) {
        message.remove();
      });
    }
  });

  // Only the fields the chosen bulk action needs are shown.
  function showBulkFields() {
    var action = document.getElementById("id_bulk_action");
    if (!action) {
      return;
    }
    var kind = action.value === "assign" ? "assign" : action.value;
    document.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = field.getAttribute("data-bulk-for") !== kind;
    });
  }

  if (workspace) {
    var current = document.querySelector("#queue-list tr.is-current");
    currentId = current ? current.getAttribute("data-position-id") : null;
    showBulkFields();
    updateCount();
  }

  // Focus after the pane or the bulk result is swapped in: the element marked [data-autofocus] (the heading of a
  // position just opened, the result of an action, a conflict), else the first field in error, else the heading
  // when the focused element was swapped away. (app.js does the same for swaps whose target stays in the page;
  // an outerHTML swap replaces its target, so these partials are handled here.)
  function focusInside(container) {
    var element =
      container.querySelector("[data-autofocus]") ||
      container.querySelector("[aria-invalid='true']") ||
      container.querySelector(".form-errors, .errorlist");
    var active = document.activeElement;
    if (!element && (!active || active === document.body || !active.isConnected)) {
      element = container.querySelector("h2, h3") || container;
    }
    if (!element) {
      return;
    }
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var element = event.target;
    if (element && (element.id === "triage-pane" || element.id === "bulk-result") && element.isConnected) {
      focusInside(element);
    }
  });

  // Back and forward restore a snapshot of the page: take the open position from it.
  document.body.addEventListener("htmx:historyRestore", function () {
    var restored = document.querySelector("#queue-list tr.is-current");
    currentId = restored ? restored.getAttribute("data-position-id") : null;
  });

  // Shareable, short links: the filter form leaves out the filters that are not set.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.matches("[data-triage-filters]")) {
      return;
    }
    var data = event.detail.formData;
    Array.from(new Set(Array.from(data.keys()))).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) {
        data.delete(name);
      }
    });
    if (data.get("sort") === "newest") {
      data.delete("sort");
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "queue-list") {
      // The list came back (filters, a page, or a refresh after a change): keep the open position marked.
      var row = currentId && document.querySelector("#queue-list tr[data-position-id='" + currentId + "']");
      if (row) {
        row.classList.add("is-current");
        row.setAttribute("aria-current", "true");
      }
      updateCount();
    }
  });
})();
