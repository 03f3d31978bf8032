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
})();
