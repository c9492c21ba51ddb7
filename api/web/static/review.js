// The reviewer's keyboard (hoso.api.web.review): Enter accepts, typing corrects, arrows or
// j/k move, "?" shows the shortcuts. A file of ours, not an inline script (the UI's policy).
// Each value is a form that htmx posts; after the answer replaces the value, the next value
// waiting gets the focus.
(function () {
  "use strict";
  var queue = document.getElementById("review-queue");
  if (!queue) {
    return;
  }
  var dialog = document.getElementById("shortcuts");

  function items() {
    return Array.prototype.slice.call(queue.querySelectorAll(".review-item"));
  }

  function itemOf(element) {
    return element && element.closest ? element.closest(".review-item") : null;
  }

  function move(from, step) {
    var all = items();
    var at = all.indexOf(from);
    var next = all[Math.min(all.length - 1, Math.max(0, at + step))];
    if (next) {
      next.focus();
      next.scrollIntoView({ block: "nearest" });
    }
  }

  function firstWaiting(after) {
    var all = items();
    var start = after ? all.indexOf(after) + 1 : 0;
    var rest = all.slice(start).concat(all.slice(0, start));
    for (var i = 0; i < rest.length; i += 1) {
      if (!rest[i].classList.contains("decided")) {
        return rest[i];
      }
    }
    return null;
  }

  function showShortcuts() {
    if (dialog && !dialog.open) {
      dialog.showModal();
    }
  }

  function submit(item) {
    var form = item.querySelector("form");
    if (form) {
      form.requestSubmit();
    }
  }

  function onInput(event, input, item) {
    if (event.key === "Escape") {
      input.value = input.dataset.original;
      item.focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      move(item, event.key === "ArrowDown" ? 1 : -1);
      event.preventDefault();
    }
  }

  function onItem(event, item) {
    var input = item.querySelector("input[name=value]");
    var key = event.key;
    if (key === "Enter" && input) {
      input.value = input.dataset.original; // accept the value as read
      submit(item);
    } else if (key === "ArrowDown" || key === "j") {
      move(item, 1);
    } else if (key === "ArrowUp" || key === "k") {
      move(item, -1);
    } else if ((key === "e" || key === "F2") && input) {
      input.focus();
      input.select();
    } else if (key.length === 1 && key !== " " && input) {
      input.value = key; // typing starts a correction
      input.focus();
    } else {
      return;
    }
    event.preventDefault();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || (dialog && dialog.open)) {
      return;
    }
    var target = event.target;
    var item = itemOf(target);
    if (target.tagName === "INPUT" && item) {
      onInput(event, target, item);
    } else if (event.key === "?") {
      showShortcuts();
      event.preventDefault();
    } else if (item && target === item) {
      onItem(event, item);
    }
  });

  var opener = document.getElementById("shortcuts-open");
  if (opener) {
    opener.addEventListener("click", showShortcuts);
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var swapped = document.getElementById(event.detail.target.id) || itemOf(event.detail.elt);
    var invalid = swapped && swapped.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.focus();
      return;
    }
    var next = firstWaiting(swapped);
    (next || swapped || queue).focus();
  });

  var first = firstWaiting(null);
  if (first) {
    first.focus();
  }
})();
