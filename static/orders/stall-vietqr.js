// The market-stall VietQR page in the admin: its "Print" buttons print the page (a listener
// here, not an onclick attribute: the Content-Security-Policy runs no inline code).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
