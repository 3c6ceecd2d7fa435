// The cart count is read from a cookie here, so pages stay identical for every visitor (and
// so cacheable). A file of its own rather than inline code: the Content-Security-Policy
// allows scripts of this site only.
(function () {
  "use strict";
  var match = document.cookie.match(/(?:^|; )ocop_cart=(\d+)/);
  var count = match ? parseInt(match[1], 10) : 0;
  var badge = document.querySelector("[data-cart-count]");
  if (badge && count > 0) {
    badge.textContent = count;
    badge.hidden = false;
  }
})();
