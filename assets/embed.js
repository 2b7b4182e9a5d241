// The embed snippet's script, run on a nonprofit's own page (WordPress or any other):
//
//   <a class="donations-embed" href="https://donate.example.org/donate/SLUG">Donate</a>
//   <script src="https://donate.example.org/assets/embed.js" async></script>
//
// Each such link to this server's donation page becomes that page in an inline frame, as tall
// as its content (the framed page reports its height, /assets/donate.js). Without JavaScript the
// link stays a plain link to the page. The framed form goes on to checkout in the top window
// (Stripe Checkout refuses to be framed). The page may be framed only by ALLOWED_ORIGINS.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || !window.URL) return;
  var origin = new URL(script.src).origin;
  var frames = [];

  function embed(link) {
    var url;
    try { url = new URL(link.getAttribute("href"), document.baseURI); } catch (e) { return; }
    if (url.origin !== origin || url.pathname.indexOf("/donate/") !== 0) return;
    var frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = link.getAttribute("data-title") || link.textContent.trim() || "Donate";
    frame.className = "donations-embed-frame";
    var height = parseInt(link.getAttribute("data-height") || "1400", 10);
    frame.style.cssText = "display:block;width:100%;max-width:44rem;border:0;height:" + height + "px";
    link.parentNode.replaceChild(frame, link);
    frames.push(frame);
  }

  function scan() {
    var links = document.querySelectorAll("a.donations-embed");
    for (var i = 0; i < links.length; i++) embed(links[i]);
  }

  // Only our own pages, and only the frame that sent it, may size a frame.
  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !e.data || e.data.type !== "donations:height") return;
    var h = Math.ceil(Number(e.data.height));
    if (!(h > 0 && h < 20000)) return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) frames[i].style.height = h + "px";
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
