// ecociv: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Filters submit as soon as a choice changes (the button stays for keyboard and no-JS users).
  document.querySelectorAll("form.js-autosubmit select").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.requestSubmit ? sel.form.requestSubmit() : sel.form.submit(); });
  });

  // Print buttons.
  document.querySelectorAll(".js-print").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // Quick filter: hide table rows whose text does not contain what is typed (no reload).
  document.querySelectorAll("[data-quick-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-quick-filter"));
    var counter = document.getElementById(input.getAttribute("data-quick-count"));
    if (!table) return;
    input.closest(".js-only").hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var hit = !q || tr.textContent.toLowerCase().indexOf(q) >= 0;
        tr.hidden = !hit;
        if (hit) shown++;
      });
      if (counter) counter.textContent = String(shown);
    });
  });

  // Inline range check of reported numbers, with the message next to the field.
  document.querySelectorAll("input[data-min], input[data-max]").forEach(function (input) {
    var msg = document.getElementById(input.getAttribute("aria-describedby").split(" ").pop());
    function check() {
      var v = input.value.trim().replace(/[%％]$/, "");
      var text = "";
      if (v !== "") {
        var n = Number(v);
        var min = input.getAttribute("data-min"), max = input.getAttribute("data-max");
        if (!isFinite(n)) text = input.getAttribute("data-msg-nan");
        else if (min !== null && n < Number(min)) text = input.getAttribute("data-msg-range");
        else if (max !== null && n > Number(max)) text = input.getAttribute("data-msg-range");
      }
      input.setAttribute("aria-invalid", text ? "true" : "false");
      input.setCustomValidity(text);
      if (msg) { msg.textContent = text; msg.hidden = !text; }
    }
    input.addEventListener("input", check);
    input.addEventListener("blur", check);
  });
})();
