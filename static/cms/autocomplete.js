// Search suggestions after 2 characters for every input with data-autocomplete (the header
// search and the search page): products, cooperatives and categories, served by
// /search/suggest/. A combobox with a listbox: arrow keys move, Enter opens, Escape closes.
// Without JavaScript the inputs stay plain GET forms.
(function () {
  "use strict";
  var counter = 0;
  document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    var id = "suggestions-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.style.position = "relative";
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "false");
    var items = [], active = -1, timer = null, last = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    }
    function show(suggestions) {
      list.innerHTML = "";
      items = suggestions.map(function (s, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.dataset.url = s.url;
        li.className = "suggestion suggestion--" + s.kind;
        var label = document.createElement("span");
        label.textContent = s.label;
        li.appendChild(label);
        if (s.detail) {
          var detail = document.createElement("small");
          detail.textContent = s.detail;
          li.appendChild(detail);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location = s.url; });
        list.appendChild(li);
        return li;
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(-1);
      } else {
        close();
      }
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        if (q === last) return;
        last = q;
        fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (input.value.trim() === q) show(data.suggestions); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location = items[active].dataset.url; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
