// A batch's "Stamps & actions" page in the admin: each unfinished stamp order is polled until
// it is done, so its progress bar moves by itself (then the page reloads with the print files).
(function () {
  "use strict";
  document.querySelectorAll("tr[data-progress-url]").forEach(function (row) {
    var bar = row.querySelector("progress");
    var label = row.querySelector(".order-status");
    var timer = setInterval(function () {
      fetch(row.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          bar.value = data.percent;
          label.textContent = data.status_label + " (" + data.issued + "/" + data.count + ")";
          if (data.done) { clearInterval(timer); window.location.reload(); }
        })
        .catch(function () {});
    }, 1000);
  });
})();
