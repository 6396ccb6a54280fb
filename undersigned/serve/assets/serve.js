// Live reload for `undersigned serve`: when the server says something changed, fetch this
// page's content again and swap it in place, keeping the scroll position and the zoom.
(function () {
  "use strict";
  const main = document.querySelector("main");
  let shown = Number(document.body.dataset.version);
  let busy = false;
  let again = false;

  function zoom() {
    const level = Number(sessionStorage.getItem("undersigned-zoom") || 0);
    document.documentElement.style.setProperty("--zoom", String(Math.pow(1.25, level)));
  }

  function preload(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const images = [...template.content.querySelectorAll("img")];
    return Promise.all(images.map((img) => new Promise((done) => {
      const image = new Image();
      image.onload = image.onerror = done;
      image.src = img.getAttribute("src");
    }))).then(() => template.content);
  }

  async function update() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const url = new URL(location.href);
      url.searchParams.set("part", "main");
      const response = await fetch(url, { cache: "no-store" });
      if (response.ok) {
        const content = await preload(await response.text());
        const x = window.scrollX, y = window.scrollY;
        main.replaceChildren(content);
        window.scrollTo(x, y);
      }
    } finally {
      busy = false;
      if (again) { again = false; update(); }
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const step = Number(button.dataset.zoom);
    const level = step === 0 ? 0 : Number(sessionStorage.getItem("undersigned-zoom") || 0) + step;
    sessionStorage.setItem("undersigned-zoom", String(Math.max(-3, Math.min(4, level))));
    zoom();
  });
  zoom();

  const events = new EventSource("/events");
  events.onmessage = (event) => {
    const version = Number(event.data);
    if (version !== shown) { shown = version; update(); }
  };
})();
