// The donation page's fee quote: as the amount, frequency or payment method changes, ask the
// server what covering the fee adds (the same rule as the charge, at the chosen method's rate)
// and show it in the cover-the-fee label.
(function () {
  "use strict";
  var form = document.getElementById("donate-form");
  if (!form) return;
  var slug = form.getAttribute("data-slug");
  var exponent = parseInt(form.getAttribute("data-exponent") || "2", 10);
  var symbol = form.getAttribute("data-symbol") || "";
  var suffix = form.getAttribute("data-suffix") || "";
  var out = document.getElementById("fee-amount");
  var custom = document.getElementById("custom-amount");
  var seq = 0;

  function amount() {
    var picked = form.querySelector("input[name=amount]:checked");
    if (!picked) return "";
    if (picked.value === "other") return custom ? custom.value.trim() : "";
    return picked.value;
  }
  function frequency() {
    var f = form.querySelector("input[name=frequency]:checked");
    return f ? f.value : "one_time";
  }
  function method() {
    var m = form.querySelector("input[name=payment_method]:checked") ||
      form.querySelector("input[name=payment_method]");
    return m ? m.value : "card";
  }
  function format(minor) {
    var s = (minor / Math.pow(10, exponent)).toFixed(exponent);
    return symbol + s + suffix;
  }
  function update() {
    var a = amount();
    if (!a || !out) return;
    var mine = ++seq;
    var url = "/api/v1/campaigns/" + encodeURIComponent(slug) + "/fee-quote?cover_fee=true" +
      "&amount=" + encodeURIComponent(a) + "&frequency=" + encodeURIComponent(frequency()) +
      "&payment_method=" + encodeURIComponent(method());
    fetch(url, { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (q) {
        if (q && mine === seq) out.textContent = format(q.fee_minor);
      })
      .catch(function () {});
  }
  form.addEventListener("change", update);
  if (custom) {
    custom.addEventListener("input", function () {
      var other = document.getElementById("amount-other");
      if (other && custom.value) other.checked = true;
      update();
    });
  }
})();

// Framed by a nonprofit's page (the embed, /assets/embed.js): tell the page framing us how tall
// this page is, so that its frame fits it with no inner scroll bar. The height is all that is
// said; only ALLOWED_ORIGINS may frame this page (frame-ancestors).
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: "donations:height", height: h }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  report();
})();
