/* The grid map: draws every grid from the grid API over the base map django-leaflet set up.
 * The grid layer does not depend on the tiles, so it still draws when they fail to load. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("grid-map-config").textContent);
  var labels = config.labels;
  var language = document.documentElement.lang || "zh-hans";

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function formatArea(squareMetres) {
    if (squareMetres >= config.squareKilometreFromM2) {
      var kilometres = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return interpolate(labels.squareKilometres, { value: kilometres.format(squareMetres / 1e6) });
    }
    return interpolate(labels.squareMetres, { value: new Intl.NumberFormat(language).format(squareMetres) });
  }

  function setStatus(text) {
    document.getElementById("grid-map-status").textContent = text;
  }

  // Built from DOM nodes, never from HTML strings: names come from imported data.
  function popupContent(properties) {
    var container = document.createElement("div");
    container.className = "grid-popup";
    var title = document.createElement("h3");
    title.textContent = properties.name;
    container.appendChild(title);
    var details = document.createElement("dl");
    function addRow(label, value) {
      var term = document.createElement("dt");
      term.textContent = label;
      var description = document.createElement("dd");
      description.textContent = value;
      details.appendChild(term);
      details.appendChild(description);
    }
    addRow(labels.code, properties.code);
    addRow(labels.community, properties.community.name);
    addRow(labels.area, formatArea(properties.area_m2));
    if (properties.officers) {
      addRow(labels.officers, properties.officers.length ? properties.officers.join("、") : labels.noOfficer);
    }
    container.appendChild(details);
    return container;
  }

  function styleFor(feature) {
    return {
      className: "grid-polygon",
      color: "#2f3a48",
      weight: 1,
      opacity: 0.8,
      fillColor: config.colours[feature.properties.community.code] || "#9aa5b1",
      fillOpacity: 0.45,
    };
  }

  function bindInteractions(feature, layer) {
    layer.bindPopup(function () {
      return popupContent(feature.properties);
    });
    layer.on({
      add: function () {
        layer.getElement().setAttribute("data-grid-code", feature.properties.code);
      },
      mouseover: function () {
        highlight(layer);
      },
      mouseout: function () {
        highlight(null);
      },
    });
  }

  // One grid highlighted at a time. bringToFront re-inserts the path, after which
  // Chromium sends it no mouseout (only mouseleave, to its ancestors): leaving the map
  // clears the highlight too, and the next grid entered takes it over.
  var highlighted = null;

  function highlight(layer) {
    if (highlighted && highlighted !== layer) {
      highlighted.getElement().classList.remove("is-highlighted");
    }
    highlighted = layer;
    if (layer) {
      layer.getElement().classList.add("is-highlighted");
      layer.bringToFront();
    }
  }

  window.gridMapInit = function (map) {
    setStatus(labels.loading);
    fetch(config.apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("grid API answered " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var grids = L.geoJSON(collection, { style: styleFor, onEachFeature: bindInteractions }).addTo(map);
        map.getContainer().addEventListener("mouseleave", function () {
          highlight(null);
        });
        if (collection.features.length) {
          // Not animated: once the status says the grids are there, they stay where they are drawn.
          map.fitBounds(grids.getBounds(), { padding: [8, 8], animate: false });
        }
        setStatus(interpolate(labels.loaded, { count: collection.features.length }));
      })
      .catch(function (error) {
        setStatus(labels.failed);
        console.error(error);
      });
  };
})();
