/* The patrol recorder: while the patrol page is open, the phone's positions become track
 * points (one every few seconds, or sooner after a real move). Points go to a queue in
 * localStorage first and are sent in batches to POST /api/v1/patrols/{id}/points/; a
 * batch leaves the queue only when the server has answered, so a phone that loses its
 * connection keeps recording and catches up later (any officer page sends what is left).
 * Sending a batch twice is harmless: the server skips points it already has. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("patrol-recorder-config").textContent);
  var labels = config.labels;
  var PREFIX = "gaoxin.patrol.";
  var SUFFIX = ".queue";
  var MAX_BATCH = 1000;
  var recorderStatus = document.getElementById("recorder-status");
  var uploadStatus = document.getElementById("upload-status");
  var distanceOutput = document.getElementById("patrol-distance");
  var pointsOutput = document.getElementById("patrol-points");
  var sending = {};
  var line = null;
  var here = null;
  var map = null;

  function interpolate(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  function say(element, text) {
    if (element) {
      element.textContent = text;
    }
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---------------------------------------------------------------- the offline queue

  function keyFor(id) {
    return PREFIX + id + SUFFIX;
  }

  function load(id) {
    try {
      return JSON.parse(window.localStorage.getItem(keyFor(id)) || "[]");
    } catch (error) {
      return [];
    }
  }

  function save(id, queue) {
    if (queue.length) {
      window.localStorage.setItem(keyFor(id), JSON.stringify(queue));
    } else {
      window.localStorage.removeItem(keyFor(id));
    }
  }

  function queuedPatrols() {
    var ids = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key.indexOf(PREFIX) === 0 && key.slice(-SUFFIX.length) === SUFFIX) {
        ids.push(key.slice(PREFIX.length, -SUFFIX.length));
      }
    }
    return ids;
  }

  function totalQueued() {
    return queuedPatrols().reduce(function (sum, id) {
      return sum + load(id).length;
    }, 0);
  }

  function forget(id, batch) {
    var sent = {};
    batch.forEach(function (point) {
      sent[point.recorded_at] = true;
    });
    save(
      id,
      load(id).filter(function (point) {
        return !sent[point.recorded_at];
      })
    );
  }

  function showQueue(offline) {
    var count = totalQueued();
    if (!count) {
      say(uploadStatus, labels.uploaded);
    } else {
      say(uploadStatus, interpolate(offline ? labels.offline : labels.queued, { count: count }));
    }
  }

  function showResult(id, result) {
    if (String(id) !== String(config.patrolId)) {
      return;
    }
    say(distanceOutput, (result.distance_m / 1000).toFixed(2));
    say(pointsOutput, String(result.point_count));
  }

  /* Send the oldest queued points of one patrol; resolves true when the queue moved on. */
  function flush(id) {
    if (sending[id]) {
      return sending[id];
    }
    var batch = load(id).slice(0, MAX_BATCH);
    if (!batch.length) {
      return Promise.resolve(true);
    }
    sending[id] = fetch(config.pointsUrlPattern.replace("{id}", id), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ points: batch }),
    })
      .then(function (response) {
        if (response.ok) {
          return response.json().then(function (result) {
            forget(id, batch);
            showResult(id, result);
            return true;
          });
        }
        if (response.status === 400 || response.status === 404) {
          // A batch the server refuses, or a patrol it does not know, never gets better.
          forget(id, batch);
          say(uploadStatus, labels.rejected);
          return true;
        }
        return false; // signed out or refused: keep the points for later
      })
      .catch(function () {
        return false;
      })
      .then(function (moved) {
        sending[id] = null;
        showQueue(!moved);
        if (moved && load(id).length >= MAX_BATCH) {
          return flush(id);
        }
        return moved;
      });
    return sending[id];
  }

  /* Flush until the queue is empty (a batch in flight may leave newer points behind). */
  function drain(id) {
    return flush(id).then(function (moved) {
      return moved && load(id).length ? drain(id) : moved;
    });
  }

  function flushAll() {
    return Promise.all(queuedPatrols().map(flush));
  }

  // ---------------------------------------------------------------- recording

  function metres(a, b) {
    var rad = Math.PI / 180;
    var x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
    var y = (b.lat - a.lat) * rad;
    return Math.sqrt(x * x + y * y) * 6371008.8;
  }

  function record(id) {
    var last = null;
    var recorded = 0;

    function onPosition(position) {
      var point = {
        recorded_at: new Date(position.timestamp).toISOString(),
        lon: Number(position.coords.longitude.toFixed(7)),
        lat: Number(position.coords.latitude.toFixed(7)),
        accuracy: Math.round(position.coords.accuracy * 10) / 10,
      };
      var soon = last && position.timestamp - last.time < config.minIntervalSeconds * 1000;
      if (soon && metres(last, point) < config.minMoveMetres) {
        return;
      }
      last = { time: position.timestamp, lon: point.lon, lat: point.lat };
      var queue = load(id);
      queue.push(point);
      save(id, queue);
      recorded += 1;
      draw(point);
      say(recorderStatus, labels.recording + " · " + recorded);
      showQueue(false);
      if (queue.length >= config.batchSize) {
        flush(id);
      }
    }

    function onError(error) {
      say(recorderStatus, error.code === 1 ? labels.denied : labels.waiting);
    }

    if (!navigator.geolocation) {
      say(recorderStatus, labels.unsupported);
      return;
    }
    say(recorderStatus, labels.waiting);
    navigator.geolocation.watchPosition(onPosition, onError, {
      enableHighAccuracy: true,
      maximumAge: 0,
      timeout: 60000,
    });
    keepScreenOn();
  }

  // A phone whose screen goes dark stops reporting positions to the page.
  function keepScreenOn() {
    if (!("wakeLock" in navigator)) {
      return;
    }
    var request = function () {
      navigator.wakeLock.request("screen").catch(function () {});
    };
    request();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        request();
      }
    });
  }

  function guardEndForm(id) {
    var form = document.getElementById("end-form");
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("button").disabled = true;
      // Send everything queued first; if the phone is offline the queue waits for later.
      drain(id).then(function () {
        form.submit();
      });
    });
  }

  // ---------------------------------------------------------------- the map

  function draw(point) {
    if (!map) {
      return;
    }
    var latLng = L.latLng(point.lat, point.lon);
    line.addLatLng(latLng);
    if (!here) {
      here = L.circleMarker(latLng, { radius: 7, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 1 });
      here.addTo(map);
    } else {
      here.setLatLng(latLng);
    }
    map.panTo(latLng, { animate: false });
  }

  window.patrolMapInit = function (leafletMap) {
    map = leafletMap;
    line = L.polyline([], { color: "#0b5cad", weight: 4, className: "own-track" }).addTo(map);
    if (config.track) {
      config.track.coordinates.forEach(function (coordinate) {
        line.addLatLng(L.latLng(coordinate[1], coordinate[0]));
      });
    }
    load(config.patrolId).forEach(function (point) {
      line.addLatLng(L.latLng(point.lat, point.lon));
    });
    if (line.getLatLngs().length) {
      map.fitBounds(line.getBounds(), { maxZoom: 17, padding: [16, 16], animate: false });
    }
  };

  // ---------------------------------------------------------------- start

  if (config.patrolId && config.active) {
    record(config.patrolId);
    guardEndForm(config.patrolId);
  }
  window.addEventListener("online", flushAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flushAll();
    }
  });
  window.setInterval(flushAll, config.flushSeconds * 1000);
  if (totalQueued()) {
    flushAll();
  }
})();
