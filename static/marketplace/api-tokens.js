// A new API token's page in the admin: the "Copy" button beside the read-only field (a
// listener here, not an onclick attribute: the Content-Security-Policy runs no inline code).
// Without JavaScript the button stays hidden and the field can be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-token]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-token"));
    var done = document.querySelector("[data-token-copied]");
    if (!field) {
      return;
    }
    function copied() {
      if (done) {
        done.hidden = false;
      }
    }
    function byHand() {
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) {
          copied();
        }
      } catch (error) {
        // Left selected: the person copies it with their keyboard or menu.
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, byHand);
      } else {
        byHand();
      }
    });
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
