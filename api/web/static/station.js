// The station's batch page: send scans into the open batch, dropped on the drop zone or chosen
// with the file picker, each file with its own progress bar. XMLHttpRequest, not fetch: only it
// reports upload progress. A file of ours, not an inline script: the UI's policy allows none.
// Every text comes from the page (data-msg-* attributes), so the catalogue translates it.
(function () {
  "use strict";
  // A rescan chosen for a failed document: show its name beside our own picker label (the
  // rows are redrawn by htmx, hence one listener on the document).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".picker input[type=file]")) {
      var chosen = input.parentNode.querySelector(".chosen");
      chosen.textContent = input.files.length ? input.files[0].name : "";
    }
  });
  var section = document.getElementById("upload");
  if (!section) {
    return;
  }
  var PARALLEL = 3; // below the server's uploads per browser (HOSO_UPLOADS_PER_TOKEN, 4)
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var url = section.dataset.uploadUrl;
  var nextPosition = parseInt(section.dataset.nextPosition, 10) || 0;
  var list = document.getElementById("upload-list");
  var summary = document.getElementById("upload-summary");
  var closeButton = document.getElementById("close-batch");
  var picker = document.getElementById("file-picker");
  var zone = document.getElementById("dropzone");
  var queue = [];
  var running = 0;
  var total = 0;
  var finished = 0;

  function msg(name) {
    return section.dataset["msg" + name] || "";
  }

  function byName(a, b) {
    return a.name.localeCompare(b.name, undefined, { numeric: true });
  }

  // Files of one choice go in name order, after those already in the batch (a stack is
  // scanned in order, and scanners number their files).
  function add(files) {
    Array.prototype.slice.call(files).sort(byName).forEach(function (file) {
      queue.push({ file: file, position: nextPosition, item: row(file) });
      nextPosition += 1;
      total += 1;
    });
    update();
    pump();
  }

  function row(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    var bar = document.createElement("progress");
    var state = document.createElement("span");
    name.textContent = file.name;
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    state.textContent = msg("Waiting");
    li.append(name, bar, state);
    list.appendChild(li);
    return { bar: bar, state: state };
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      send(queue.shift());
    }
  }

  function send(job) {
    var xhr = new XMLHttpRequest();
    var form = new FormData();
    running += 1;
    form.append("position", String(job.position));
    form.append("file", job.file, job.file.name);
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        job.item.bar.value = Math.round((100 * event.loaded) / event.total);
      }
    });
    xhr.addEventListener("load", function () {
      running -= 1;
      answered(job, xhr);
      pump();
    });
    xhr.addEventListener("error", function () {
      running -= 1;
      fail(job, msg("Network"));
      pump();
    });
    job.item.state.textContent = msg("Sending");
    xhr.send(form);
  }

  function answered(job, xhr) {
    if (xhr.status === 201 || xhr.status === 200) {
      job.item.bar.value = 100;
      job.item.state.textContent = msg(xhr.status === 201 ? "Sent" : "Already");
      job.item.state.className = "sent";
      finish();
    } else if (xhr.status === 429) {
      job.item.state.textContent = msg("Retrying");
      var seconds = parseInt(xhr.getResponseHeader("Retry-After"), 10) || 5;
      setTimeout(function () {
        queue.unshift(job);
        pump();
      }, seconds * 1000);
    } else {
      fail(job, reason(xhr));
    }
  }

  function reason(xhr) {
    if (xhr.status === 413) {
      return msg("TooLarge");
    }
    if (xhr.status === 408) {
      return msg("Timeout");
    }
    try {
      var answer = JSON.parse(xhr.responseText);
      if (answer.message) {
        return answer.message;
      }
    } catch (ignored) {
      // not our JSON: the generic text below
    }
    return msg("Network");
  }

  function fail(job, text) {
    job.item.bar.value = 0;
    job.item.state.textContent = msg("Failed") + ": " + text;
    job.item.state.className = "failed";
    finish();
  }

  function finish() {
    finished += 1;
    update();
    if (finished === total && window.htmx) {
      window.htmx.trigger("#batch-status", "refresh");
    }
  }

  function update() {
    summary.textContent = msg("Summary").replace("{done}", finished).replace("{total}", total);
    if (closeButton) {
      closeButton.disabled = finished < total;
    }
  }

  document.getElementById("pick-files").addEventListener("click", function () {
    picker.click();
  });
  picker.addEventListener("change", function () {
    add(picker.files);
    picker.value = "";
  });
  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", function () {
    zone.classList.remove("over");
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      add(event.dataTransfer.files);
    }
  });
  // A file dropped beside the zone must not make the browser leave the page to show it.
  window.addEventListener("dragover", function (event) {
    event.preventDefault();
  });
  window.addEventListener("drop", function (event) {
    event.preventDefault();
  });
  window.addEventListener("beforeunload", function (event) {
    if (finished < total) {
      event.preventDefault();
    }
  });
})();
