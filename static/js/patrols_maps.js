/* Supervisors' maps (the day's tracks, grid coverage) and a hazard's position, drawn over
 * the base map django-leaflet set up. Data layers do not depend on the tiles, so they
 * draw even when the tiles cannot load. Every text shown comes from the page's config. */
(function () {
  "use strict";

  // Distinct, readable line colours; an officer keeps one colour for the whole day.
  var TRACK_COLOURS = ["#0067A5", "#BE0032", "#008856", "#875692", "#F38400", "#604E97", "#882D17", "#E68FAC"];
  var COVERAGE_COLOURS = { covered: "#1e8449", partial: "#d68910", missed: "#c0392b", not_required: "#9aa5b1" };

  function configFrom(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function setStatus(id, text) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = text;
    }
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + " answered " + response.status);
      }
      return response.json();
    });
  }

  function colourOf(name) {
    var hash = 0;
    for (var i = 0; i < name.length; i++) {
      hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
    }
    return TRACK_COLOURS[hash % TRACK_COLOURS.length];
  }

  // Built from DOM nodes, never from HTML strings: names come from people's input.
  function popup(title, lines) {
    var container = document.createElement("div");
    var heading = document.createElement("strong");
    heading.textContent = title;
    container.appendChild(heading);
    lines.forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      container.appendChild(line);
    });
    return container;
  }

  function clock(iso) {
    return iso ? new Date(iso).toTimeString().slice(0, 5) : "…";
  }

  window.tracksMapInit = function (map) {
    var config = configFrom("tracks-map-config");
    var labels = config.labels;
    setStatus("tracks-status", labels.loading);
    getJSON(config.gridsUrl)
      .then(function (grids) {
        L.geoJSON(grids, {
          style: function (feature) {
            var highlighted = feature.properties.code === config.highlightGrid;
            return {
              className: "grid-outline",
              color: highlighted ? "#0b0f14" : "#6b7785",
              weight: highlighted ? 3 : 1,
              fillOpacity: highlighted ? 0.15 : 0.03,
            };
          },
          interactive: false,
        }).addTo(map);
        return getJSON(config.tracksUrl);
      })
      .then(function (tracks) {
        var layer = L.geoJSON(tracks, {
          style: function (feature) {
            return { className: "patrol-track", color: colourOf(feature.properties.officer), weight: 4, opacity: 0.85 };
          },
          onEachFeature: function (feature, trackLayer) {
            var p = feature.properties;
            trackLayer.bindPopup(function () {
              return popup(p.officer_name, [
                clock(p.started_at) + "–" + clock(p.ended_at),
                interpolate(labels.distance, { km: (p.distance_m / 1000).toFixed(2) }),
              ]);
            });
            trackLayer.on("add", function () {
              var element = trackLayer.getElement();
              element.setAttribute("data-patrol-id", feature.id);
              element.setAttribute("data-officer", p.officer);
            });
          },
        }).addTo(map);
        if (tracks.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 17, animate: false });
        }
        setStatus("tracks-status", interpolate(labels.loaded, { count: tracks.features.length }));
      })
      .catch(function (error) {
        setStatus("tracks-status", labels.failed);
        console.error(error);
      });
  };

  window.coverageMapInit = function (map) {
    var config = configFrom("coverage-map-config");
    var labels = config.labels;
    setStatus("coverage-status", labels.loading);
    getJSON(config.gridsUrl)
      .then(function (grids) {
        var layer = L.geoJSON(grids, {
          style: function (feature) {
            var status = (config.coverage[feature.properties.code] || {}).status || "missed";
            return {
              className: "grid-polygon coverage-" + status,
              color: "#2f3a48",
              weight: 1,
              fillColor: COVERAGE_COLOURS[status],
              fillOpacity: 0.55,
            };
          },
          onEachFeature: function (feature, gridLayer) {
            var row = config.coverage[feature.properties.code] || { status: "missed", visits: 0, required: 0 };
            gridLayer.bindPopup(function () {
              return popup(feature.properties.name, [labels[row.status], interpolate(labels.visits, row)]);
            });
            gridLayer.on("add", function () {
              gridLayer.getElement().setAttribute("data-grid-code", feature.properties.code);
            });
          },
        }).addTo(map);
        if (grids.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false });
        }
        setStatus("coverage-status", interpolate(labels.loaded, { count: grids.features.length }));
      })
      .catch(function (error) {
        setStatus("coverage-status", labels.failed);
        console.error(error);
      });
  };

  window.hazardMapInit = function (map) {
    var config = configFrom("hazard-map-config");
    var point = L.latLng(config.lat, config.lon);
    L.circleMarker(point, { radius: 9, color: "#fff", weight: 2, fillColor: "#c0392b", fillOpacity: 1 }).addTo(map);
    map.setView(point, 17, { animate: false });
  };
})();
