/* The officer's report form: the location from the phone (with a map to adjust it, or a
 * tap on the map when the phone cannot tell), a filter over the long category list, and
 * the on-the-spot fields only for categories that allow it. Without JavaScript the form
 * still works: coordinates can be typed, every field is shown. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("case-map-config").textContent);
  var labels = JSON.parse(document.getElementById("report-labels").textContent);
  var lonInput = document.getElementById("id_lon");
  var latInput = document.getElementById("id_lat");
  var status = document.getElementById("locate-status");
  var locateButton = document.getElementById("locate-button");
  var categorySelect = document.getElementById("id_category");
  var filterBox = document.querySelector(".category-filter");
  var filterInput = document.getElementById("category-filter");
  var resolveFieldset = document.getElementById("resolve-fieldset");
  var resolveBox = document.getElementById("id_resolve_on_spot");
  var afterPhotos = document.getElementById("after-photos");
  var map = null;
  var marker = null;

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function currentPoint() {
    var lon = parseFloat(lonInput.value);
    var lat = parseFloat(latInput.value);
    return isFinite(lon) && isFinite(lat) ? L.latLng(lat, lon) : null;
  }

  function placeMarker(latLng, zoom) {
    if (!map) {
      return;
    }
    if (!marker) {
      marker = L.marker(latLng, { draggable: true, keyboard: true, title: labels.marker, alt: labels.marker });
      marker.on("dragend", function () {
        setPoint(marker.getLatLng(), false);
      });
      marker.addTo(map);
    } else {
      marker.setLatLng(latLng);
    }
    map.setView(latLng, zoom || Math.max(map.getZoom(), 16), { animate: false });
  }

  function setPoint(latLng, move) {
    lonInput.value = latLng.lng.toFixed(6);
    latInput.value = latLng.lat.toFixed(6);
    if (move !== false) {
      placeMarker(latLng);
    }
  }

  function locate() {
    if (!navigator.geolocation) {
      status.textContent = labels.unsupported;
      return;
    }
    status.textContent = labels.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setPoint(L.latLng(position.coords.latitude, position.coords.longitude));
        status.textContent = interpolate(labels.located, { metres: Math.round(position.coords.accuracy || 0) });
      },
      function () {
        status.textContent = labels.failed;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  window.reportMapInit = function (leafletMap) {
    map = leafletMap;
    var outlines = (config.grids || []).map(function (grid) {
      return L.geoJSON(grid.geometry, {
        style: { className: "case-map-grid", color: "#0b5cad", weight: 2, fillOpacity: 0.08 },
        interactive: false,
      }).addTo(map);
    });
    var point = currentPoint();
    if (point) {
      placeMarker(point);
    } else if (outlines.length) {
      map.fitBounds(L.featureGroup(outlines).getBounds(), { padding: [12, 12], animate: false });
    }
    map.on("click", function (event) {
      setPoint(event.latlng);
      status.textContent = labels.picked;
    });
    map.getContainer().setAttribute("data-ready", "true");
  };

  [lonInput, latInput].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = currentPoint();
      if (point) {
        placeMarker(point);
      }
    });
  });

  // The category filter: hides options (and empty groups) not matching the typed text.
  filterBox.hidden = false;
  filterInput.addEventListener("input", function () {
    var needle = filterInput.value.trim().toLowerCase();
    var firstMatch = null;
    Array.prototype.forEach.call(categorySelect.querySelectorAll("optgroup"), function (group) {
      var groupMatches = group.label.toLowerCase().indexOf(needle) !== -1;
      var visible = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var show = !needle || groupMatches || option.textContent.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !show;
        option.disabled = !show;
        if (show) {
          visible += 1;
          firstMatch = firstMatch || option;
        }
      });
      group.hidden = visible === 0;
    });
    var selected = categorySelect.selectedOptions[0];
    if (needle && firstMatch && (!selected || selected.hidden || !selected.value)) {
      categorySelect.value = firstMatch.value;
      categorySelect.dispatchEvent(new Event("change"));
    }
  });

  // On-the-spot resolution only where the category allows it.
  function syncResolve() {
    var option = categorySelect.selectedOptions[0];
    var allowed = Boolean(option && option.dataset.mayResolve === "true");
    resolveFieldset.hidden = !allowed;
    if (!allowed) {
      resolveBox.checked = false;
    }
    afterPhotos.hidden = !resolveBox.checked;
  }
  categorySelect.addEventListener("change", syncResolve);
  resolveBox.addEventListener("change", syncResolve);
  syncResolve();

  locateButton.hidden = false;
  locateButton.addEventListener("click", locate);
  if (!currentPoint()) {
    locate();
  }
})();
