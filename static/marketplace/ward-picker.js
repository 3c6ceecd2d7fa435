// Forms with a province and a commune (checkout, cooperative registration): when the province
// changes, load its communes into the second select.
(function () {
  "use strict";
  var form = document.querySelector("form[data-wards-url]");
  if (!form) return;
  var province = form.querySelector("[name=province]");
  var ward = form.querySelector("[name=ward]");
  if (!province || !ward) return;
  var placeholder = ward.options.length ? ward.options[0].text : "";
  province.addEventListener("change", function () {
    ward.disabled = true;
    fetch(form.dataset.wardsUrl + "?province=" + encodeURIComponent(province.value))
      .then(function (r) { return r.ok ? r.json() : { wards: [] }; })
      .then(function (data) {
        ward.innerHTML = "";
        ward.add(new Option(placeholder, ""));
        data.wards.forEach(function (w) { ward.add(new Option(w.name, w.code)); });
      })
      .catch(function () { /* offline: the server checks the pair anyway */ })
      .finally(function () { ward.disabled = false; });
  });
})();
