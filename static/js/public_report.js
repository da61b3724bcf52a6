/* The resident's complaint form: place the problem on the map (click, drag, the phone's
 * location, or the map centre for keyboard users) into the hidden location inputs, and
 * filter the category list by name. Without JavaScript the form still posts; the server
 * then asks for the location. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("report-map-config").textContent);
  var labels = config.labels;
  var lonInput = document.querySelector("input[name=location_lon]");
  var latInput = document.querySelector("input[name=location_lat]");
  var statusLine = document.getElementById("location-status");
  var map = null;
  var marker = null;

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function place(latlng, message) {
    lonInput.value = latlng.lng.toFixed(6);
    latInput.value = latlng.lat.toFixed(6);
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { draggable: true, autoPan: true }).addTo(map);
      marker.getElement().classList.add("report-marker");
      marker.on("dragend", function () {
        place(marker.getLatLng(), labels.placed);
      });
    }
    setStatus(message);
  }

  function drawGrids() {
    // Faint grid outlines show where the district is, also when map tiles do not load.
    fetch(config.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("grid API answered " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var grids = L.geoJSON(collection, {
          interactive: false,
          style: { color: "#0b5cad", weight: 1, opacity: 0.5, fillColor: "#0b5cad", fillOpacity: 0.05 },
        }).addTo(map);
        if (!marker && collection.features.length) {
          map.fitBounds(grids.getBounds(), { padding: [4, 4], animate: false });
        }
      })
      .catch(function (error) {
        console.error(error);
      });
  }

  window.reportMapInit = function (leafletMap) {
    map = leafletMap;
    map.on("click", function (event) {
      place(event.latlng, labels.placed);
    });
    // After a form error the server sends the chosen point back: put the marker there again.
    var lon = parseFloat(lonInput.value);
    var lat = parseFloat(latInput.value);
    if (isFinite(lon) && isFinite(lat)) {
      var latlng = L.latLng(lat, lon);
      place(latlng, labels.placed);
      map.setView(latlng, 16, { animate: false });
    }
    drawGrids();
  };

  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) {
      setStatus(labels.unsupported);
      return;
    }
    setStatus(labels.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        place(latlng, labels.located);
        map.setView(latlng, 17, { animate: false });
      },
      function () {
        setStatus(labels.denied);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  document.getElementById("use-map-centre").addEventListener("click", function () {
    if (map) {
      place(map.getCenter(), labels.placed);
    }
  });

  // Category filter: rebuilds the <select> from the matching options, group by group
  // (hiding <option>s is not honoured by every phone's picker).
  var select = document.getElementById("id_category");
  var filter = document.getElementById("category-filter");
  var filterStatus = document.getElementById("category-filter-status");
  var placeholder = select.querySelector(":scope > option");
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
    return { label: group.label, options: Array.prototype.slice.call(group.querySelectorAll("option")) };
  });
  filter.hidden = false;

  filter.addEventListener("input", function () {
    var words = filter.value.trim().toLowerCase();
    var chosen = select.value;
    var shown = [];
    select.textContent = "";
    select.appendChild(placeholder);
    groups.forEach(function (group) {
      var groupMatches = group.label.toLowerCase().indexOf(words) !== -1;
      var matches = group.options.filter(function (option) {
        var keywords = option.getAttribute("data-keywords") || option.textContent.toLowerCase();
        return !words || groupMatches || keywords.indexOf(words) !== -1;
      });
      if (matches.length) {
        var element = document.createElement("optgroup");
        element.label = group.label;
        matches.forEach(function (option) {
          element.appendChild(option);
        });
        select.appendChild(element);
        shown = shown.concat(matches);
      }
    });
    var stillShown = shown.some(function (option) {
      return option.value === chosen;
    });
    if (words && shown.length === 1) {
      select.value = shown[0].value;
    } else {
      select.value = stillShown ? chosen : "";
    }
    filterStatus.textContent = !words ? "" : shown.length ? interpolate(labels.matches, { count: shown.length }) : labels.noMatch;
  });
})();
