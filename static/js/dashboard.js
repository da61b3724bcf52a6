/* The command centre's dashboard: grids coloured by open or overdue cases (geometry from
 * the grid API, counts from the dashboard's JSON), and the trend charts (ECharts, from
 * the figures the page carries). */
(function () {
  "use strict";

  var mapConfig = JSON.parse(document.getElementById("dashboard-map-config").textContent);
  var charts = JSON.parse(document.getElementById("dashboard-charts").textContent);
  var labels = mapConfig.labels;
  // ColorBrewer YlOrRd (sequential), after a pale grey for "none".
  var NONE_COLOUR = "#eef0f3";
  var PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + " answered " + response.status);
      }
      return response.json();
    });
  }

  // ------------------------------------------------------------ the map

  // Upper bounds of the classes: 1, then equal steps up to the largest count.
  function classBreaks(max) {
    if (max <= PALETTE.length) {
      return PALETTE.map(function (_colour, index) {
        return index + 1;
      }).slice(0, Math.max(max, 1));
    }
    var breaks = [];
    for (var index = 1; index <= PALETTE.length; index += 1) {
      var bound = Math.ceil((max * index) / PALETTE.length);
      if (!breaks.length || bound > breaks[breaks.length - 1]) {
        breaks.push(bound);
      }
    }
    return breaks;
  }

  function colourFor(value, breaks) {
    if (!value) {
      return NONE_COLOUR;
    }
    for (var index = 0; index < breaks.length; index += 1) {
      if (value <= breaks[index]) {
        return PALETTE[index];
      }
    }
    return PALETTE[PALETTE.length - 1];
  }

  function drawLegend(breaks) {
    var legend = document.getElementById("dashboard-legend");
    legend.textContent = "";
    var items = [{ colour: NONE_COLOUR, text: labels.none }];
    var lower = 1;
    breaks.forEach(function (upper, index) {
      items.push({ colour: PALETTE[index], text: lower === upper ? String(upper) : lower + "–" + upper });
      lower = upper + 1;
    });
    items.forEach(function (item) {
      var row = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "legend-swatch";
      swatch.style.backgroundColor = item.colour;
      swatch.setAttribute("aria-hidden", "true");
      var name = document.createElement("span");
      name.className = "legend-name";
      name.textContent = item.text;
      row.appendChild(swatch);
      row.appendChild(name);
      legend.appendChild(row);
    });
  }

  function popupContent(properties, counts) {
    var container = document.createElement("div");
    container.className = "grid-popup";
    var title = document.createElement("h3");
    title.textContent = properties.name;
    container.appendChild(title);
    var details = document.createElement("dl");
    [
      [labels.code, properties.code],
      [labels.community, properties.community.name],
      [labels.open, counts.open],
      [labels.overdue, counts.overdue],
    ].forEach(function (pair) {
      var term = document.createElement("dt");
      term.textContent = pair[0];
      var value = document.createElement("dd");
      value.textContent = pair[1];
      details.appendChild(term);
      details.appendChild(value);
    });
    container.appendChild(details);
    return container;
  }

  window.dashboardMapInit = function (map) {
    var status = document.getElementById("dashboard-map-status");
    status.textContent = labels.loading;
    Promise.all([getJSON(mapConfig.gridsUrl), getJSON(mapConfig.countsUrl)])
      .then(function (results) {
        var collection = results[0];
        var counts = results[1].grids;
        var zero = { open: 0, overdue: 0 };
        var layer = L.geoJSON(collection, {
          style: { className: "grid-polygon", color: "#2f3a48", weight: 1, opacity: 0.7, fillOpacity: 0.75 },
          onEachFeature: function (feature, polygon) {
            polygon.bindPopup(function () {
              return popupContent(feature.properties, counts[feature.properties.code] || zero);
            });
            polygon.on("add", function () {
              polygon.getElement().setAttribute("data-grid-code", feature.properties.code);
            });
          },
        }).addTo(map);
        if (collection.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [4, 4], animate: false });
        }

        function colour(mode) {
          var max = 0;
          Object.keys(counts).forEach(function (code) {
            max = Math.max(max, counts[code][mode]);
          });
          var breaks = classBreaks(max);
          layer.eachLayer(function (polygon) {
            var value = (counts[polygon.feature.properties.code] || zero)[mode];
            polygon.setStyle({ fillColor: colourFor(value, breaks) });
            polygon.getElement().setAttribute("data-count", value);
          });
          drawLegend(breaks);
        }

        colour("open");
        document.querySelectorAll("input[name=map-mode]").forEach(function (radio) {
          radio.addEventListener("change", function () {
            colour(radio.value);
          });
        });
        status.textContent = interpolate(labels.loaded, { count: Object.keys(counts).length });
      })
      .catch(function (error) {
        status.textContent = labels.failed;
        console.error(error);
      });
  };

  // ------------------------------------------------------------ charts

  var names = charts.labels;
  var BLUE = "#0b5cad";
  var GREEN = "#1e8449";
  var ORANGE = "#d35400";
  var instances = [];

  function chart(id, option) {
    var element = document.getElementById(id);
    var instance = echarts.init(element, null, { renderer: "svg" });
    instance.setOption(
      Object.assign(
        {
          animation: false,
          grid: { left: 48, right: 48, top: 36, bottom: 36, containLabel: false },
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
        },
        option
      )
    );
    instances.push(instance);
  }

  function shortDate(iso) {
    return iso.slice(5);
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } };
  }

  function asPercent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  chart("chart-flow", {
    xAxis: { type: "category", data: charts.flow.days.map(shortDate) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: names.reported, type: "line", data: charts.flow.reported, color: BLUE, symbolSize: 4 },
      { name: names.closed, type: "line", data: charts.flow.closed, color: GREEN, symbolSize: 4 },
    ],
  });

  chart("chart-on-time", {
    xAxis: { type: "category", data: charts.onTime.weeks.map(shortDate) },
    yAxis: [{ type: "value", minInterval: 1 }, percentAxis()],
    series: [
      { name: names.due, type: "bar", data: charts.onTime.due, color: "#a9c4e4" },
      {
        name: names.onTimeRate,
        type: "line",
        yAxisIndex: 1,
        data: charts.onTime.rate,
        color: GREEN,
        tooltip: { valueFormatter: asPercent },
      },
    ],
  });

  var categories = charts.categories.slice().reverse();
  chart("chart-categories", {
    grid: { left: 110, right: 24, top: 36, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: categories.map(function (row) { return row.name; }) },
    series: [
      { name: names.open, type: "bar", stack: "cases", data: categories.map(function (row) { return row.open; }), color: ORANGE },
      { name: names.closed, type: "bar", stack: "cases", data: categories.map(function (row) { return row.closed; }), color: GREEN },
    ],
  });

  chart("chart-communities", {
    grid: { left: 48, right: 48, top: 36, bottom: 72 },
    xAxis: { type: "category", data: charts.communities.map(function (row) { return row.name; }), axisLabel: { rotate: 40, interval: 0 } },
    yAxis: [{ type: "value", minInterval: 1 }, percentAxis()],
    series: [
      { name: names.filed, type: "bar", data: charts.communities.map(function (row) { return row.filed; }), color: BLUE },
      { name: names.closed, type: "bar", data: charts.communities.map(function (row) { return row.closed; }), color: GREEN },
      {
        name: names.onTimeRate,
        type: "line",
        yAxisIndex: 1,
        data: charts.communities.map(function (row) { return row.on_time_closing_rate; }),
        color: ORANGE,
        tooltip: { valueFormatter: asPercent },
      },
    ],
  });

  window.addEventListener("resize", function () {
    instances.forEach(function (instance) {
      instance.resize();
    });
  });
})();
