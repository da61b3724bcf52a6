/* The public map of recent cases: coarse points (about 100 m) from the public GeoJSON,
 * one circle per cell, category and status, sized by how many cases it holds. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("public-map-config").textContent);
  var labels = config.labels;
  var COLOURS = { open: "#d35400", closed: "#1e8449" };

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function setStatus(text) {
    document.getElementById("public-map-status").textContent = text;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + " answered " + response.status);
      }
      return response.json();
    });
  }

  // Built from DOM nodes, never from HTML strings.
  function popupContent(properties) {
    var container = document.createElement("div");
    container.className = "case-popup";
    var title = document.createElement("strong");
    title.textContent = properties.category;
    container.appendChild(title);
    var line = document.createElement("p");
    line.textContent = labels[properties.status] + " · " + interpolate(labels.count, { count: properties.count });
    container.appendChild(line);
    return container;
  }

  window.publicMapInit = function (map) {
    setStatus(labels.loading);
    getJSON(config.gridsUrl)
      .then(function (collection) {
        var grids = L.geoJSON(collection, {
          interactive: false,
          style: { color: "#2f3a48", weight: 1, opacity: 0.35, fillOpacity: 0 },
        }).addTo(map);
        if (collection.features.length) {
          map.fitBounds(grids.getBounds(), { padding: [4, 4], animate: false });
        }
      })
      .catch(function (error) {
        console.error(error);
      });
    getJSON(config.casesUrl)
      .then(function (collection) {
        var totals = { open: 0, closed: 0 };
        // Thousands of circles draw faster on one canvas than as SVG elements.
        var renderer = collection.features.length > 2000 ? L.canvas() : L.svg();
        L.geoJSON(collection, {
          pointToLayer: function (feature, latlng) {
            var count = feature.properties.count;
            totals[feature.properties.status] += count;
            return L.circleMarker(latlng, {
              renderer: renderer,
              className: "case-dot is-" + feature.properties.status,
              radius: 4 + 2 * Math.sqrt(count),
              color: "#ffffff",
              weight: 1,
              fillColor: COLOURS[feature.properties.status],
              fillOpacity: 0.8,
            });
          },
          onEachFeature: function (feature, layer) {
            layer.bindPopup(function () {
              return popupContent(feature.properties);
            });
          },
        }).addTo(map);
        document.getElementById("legend-open").textContent = interpolate(labels.count, { count: totals.open });
        document.getElementById("legend-closed").textContent = interpolate(labels.count, { count: totals.closed });
        var summary = collection.limited ? labels.limited : labels.loaded;
        setStatus(interpolate(summary, { days: config.days, count: totals.open + totals.closed }));
      })
      .catch(function (error) {
        setStatus(labels.failed);
        console.error(error);
      });
  };
})();
