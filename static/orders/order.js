// The order page: card payment (Stripe.js, or localstripe's fake one in tests) and a status
// poll that reloads the page when the order changes (a bank transfer or card confirmed).
(function () {
  "use strict";
  var page = document.querySelector(".order-page");
  if (!page) return;
  var status = page.dataset.status;

  function poll() {
    if (status !== "awaiting_payment") return;
    fetch(page.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== status) { window.location.reload(); return; }
        if (data && data.failure_message) {
          var errors = document.getElementById("card-errors");
          if (errors && !errors.textContent) errors.textContent = data.failure_message;
        }
        setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 6000); });
  }
  setTimeout(poll, 3000);

  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") return;
  var stripe = window.Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-pay");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  function fail(message) {
    errors.textContent = message || "";
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    // createToken exists on Stripe's Stripe.js and on localstripe's: one flow for both.
    stripe.createToken(card).then(function (result) {
      if (result.error) return fail(result.error.message);
      return fetch(form.dataset.payUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ token: result.token.id })
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (data.error) return fail(data.error);
        if (data.status === "requires_action") {
          return stripe.confirmCardPayment(data.client_secret).then(function (res) {
            if (res.error) return fail(res.error.message);
            waiting();
          });
        }
        waiting();
      });
    }).catch(function () { fail(form.dataset.networkError || "Network error"); });
  });

  function waiting() {
    form.hidden = true;
    document.getElementById("card-waiting").hidden = false;
  }
})();
