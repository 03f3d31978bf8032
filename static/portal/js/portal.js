// Behaviour for every page, kept out of the HTML: the Content-Security-Policy
// allows no inline script and no eval (so no hx-on attributes either).
(function () {
  "use strict";
  // An element marked data-swap-errors shows the server's refusal (4xx/5xx),
  // which is a rendered fragment with the message, instead of htmx dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 600 && event.target.closest && event.target.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The staff header folds into a menu on a phone: the button shows only
  // where the CSS hides the menu (narrow screens); without script the menu stays open.
  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    menu.classList.add("folded");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("folded", !open);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpMenu);
  } else {
    setUpMenu();
  }
})();
