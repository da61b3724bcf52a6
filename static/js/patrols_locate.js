/* Fills the hidden lon/lat of the officer's forms from the phone's position.
 * A form marked data-needs-location (check-in, check-out, a hazard found on patrol) waits
 * for a position before it is sent; data-optional-location sends without one. Without
 * a position the server says what is missing, next to the form. */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-needs-location], form[data-optional-location]");
  var status = document.getElementById("locate-status");
  // The words come from the page (translated there): data-locating, data-located, data-failed.
  var messages = status ? status.dataset : {};
  if (!forms.length || !navigator.geolocation) {
    return;
  }

  function say(text) {
    if (status && text) {
      status.textContent = text;
    }
  }

  function fill(position) {
    forms.forEach(function (form) {
      form.querySelector("input[name=lon]").value = position.coords.longitude.toFixed(7);
      form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(7);
    });
    say((messages.located || "").replace("%(metres)s", Math.round(position.coords.accuracy)));
  }

  function locate(done) {
    say(messages.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        fill(position);
        done(true);
      },
      function () {
        say(messages.failed);
        done(false);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  }

  forms.forEach(function (form) {
    if (!form.hasAttribute("data-needs-location")) {
      return;
    }
    form.addEventListener("submit", function (event) {
      if (form.querySelector("input[name=lon]").value) {
        return;
      }
      event.preventDefault();
      locate(function () {
        form.submit();
      });
    });
  });
  locate(function () {});
})();
