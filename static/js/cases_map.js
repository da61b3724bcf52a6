/* Small maps of the case pages: grid outlines and case points from a JSON config
 * ({grids: [{name, code, geometry}], points: [{lat, lon, label, url}]}) drawn over the
 * base map django-leaflet set up. The shapes do not depend on the tiles, so they still
 * show when the tiles fail to load. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("case-map-config").textContent);

  // Built from DOM nodes, never from HTML strings: labels come from user input.
  function popup(point) {
    var element = document.createElement(point.url ? "a" : "span");
    element.textContent = point.label;
    if (point.url) {
      element.href = point.url;
    }
    return element;
  }

  window.caseMapInit = function (map) {
    var layers = [];
    (config.grids || []).forEach(function (grid) {
      var outline = L.geoJSON(grid.geometry, {
        style: { className: "case-map-grid", color: "#0b5cad", weight: 2, fillOpacity: 0.08 },
      }).bindTooltip(grid.name);
      layers.push(outline.addTo(map));
    });
    (config.points || []).forEach(function (point) {
      var marker = L.circleMarker([point.lat, point.lon], {
        className: "case-map-point",
        radius: 8,
        color: "#fff",
        weight: 2,
        fillColor: "#c0392b",
        fillOpacity: 1,
      }).bindPopup(popup(point));
      layers.push(marker.addTo(map));
    });
    if (layers.length) {
      var bounds = L.featureGroup(layers).getBounds();
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17, animate: false });
    }
    map.getContainer().setAttribute("data-ready", "true");
  };
})();
