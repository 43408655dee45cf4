// citizenideas maps, drawn with the vendored Leaflet over lists that say the same thing.
//
// [data-ci-map]: ideas and community places as clustered markers, from GeoJSON (the page's
// own query string), one layer per kind, switchable. [data-ci-pin-picker]: a small map on an
// idea's form to put a pin where the idea is: click or tap, the arrow keys (the position is
// announced), "Use my location", or a community place; it writes the form's latitude and
// longitude fields, which work without it too.
//
// Loaded in the page's body (templates/_map_assets.html): htmx's boosted navigation runs it
// again on each page it swaps in, so it starts every map it finds that has not started yet.
(function () {
  "use strict";
  var L = window.L;
  if (!L) { return; }
  var MAX_PAGES = 4; // at most 4 GeoJSON pages (20,000 points) on one map

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function useImages(el) {
    // Set the marker images' folder: Leaflet would otherwise guess it from its stylesheet,
    // which may not have loaded yet when this runs.
    if (el.getAttribute("data-images")) { L.Icon.Default.imagePath = el.getAttribute("data-images"); }
  }

  function tiles(el) {
    return L.tileLayer(el.getAttribute("data-tiles"), {
      attribution: el.getAttribute("data-attribution"), maxZoom: 19
    });
  }

  function startView(el) {
    return {
      centre: [parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon"))],
      zoom: parseInt(el.getAttribute("data-zoom"), 10) || 14
    };
  }

  // ------------------------------------------------------------------ maps of ideas and places

  function popup(properties, kind) {
    var box = element("div", "ci-map-popup");
    var heading = element("p", "govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1");
    var link = element("a", "govuk-link", properties.title);
    link.href = properties.url;
    heading.appendChild(link);
    box.appendChild(heading);
    var about = kind === "ideas"
      ? [properties.reference, properties.status_label, properties.ward]
      : [properties.kind_label, properties.community_status_label, properties.ward];
    box.appendChild(element("p", "govuk-body-s govuk-!-margin-bottom-0",
      about.filter(Boolean).join(" · ")));
    return box;
  }

  function marker(feature, latlng, kind) {
    var title = feature.properties.title;
    var options = { title: title, alt: title, keyboard: true, riseOnHover: true };
    if (kind === "places") {
      var html = '<span class="govuk-visually-hidden"></span>';
      options.icon = L.divIcon({ className: "ci-place-marker", html: html, iconSize: [24, 24] });
    }
    var made = L.marker(latlng, options).bindPopup(popup(feature.properties, kind));
    if (kind === "places") {
      made.on("add", function () {
        var icon = made.getElement();
        if (icon) { icon.firstChild.textContent = title; }
      });
    }
    return made;
  }

  function clusterLabel(el, kind, count) {
    return fill(el.getAttribute("data-cluster-" + kind), { n: count });
  }

  function clusters(el, kind) {
    var group = L.markerClusterGroup({
      chunkedLoading: true,
      // Many markers are added a few hundred at a time, between which the page stays
      // responsive: what comes after adding them waits until the last are on the map.
      chunkProgress: function (processed, total) {
        if (processed === total && group.ciAfterAdding) {
          var then = group.ciAfterAdding;
          group.ciAfterAdding = null;
          setTimeout(then, 0);
        }
      },
      showCoverageOnHover: false,
      iconCreateFunction: function (cluster) {
        var count = cluster.getChildCount();
        var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
        var box = element("div");
        box.appendChild(element("span", null, String(count))).setAttribute("aria-hidden", "true");
        box.appendChild(element("span", "govuk-visually-hidden", clusterLabel(el, kind, count)));
        return L.divIcon({
          html: box.outerHTML,
          className: "marker-cluster marker-cluster-" + size + " ci-cluster--" + kind,
          iconSize: L.point(40, 40)
        });
      }
    });
    return group;
  }

  function load(url, group, kind, pages, done) {
    fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) {
        var markers = [];
        collection.features.forEach(function (feature) {
          var c = feature.geometry.coordinates; // [lon, lat]
          markers.push(marker(feature, L.latLng(c[1], c[0]), kind));
        });
        var next = (collection.links || []).filter(function (l) { return l.rel === "next"; })[0];
        group.ciAfterAdding = function () {
          if (next && pages + 1 < MAX_PAGES) {
            load(next.href, group, kind, pages + 1, done);
          } else {
            done(null, collection.numberMatched, group.getLayers().length);
          }
        };
        group.addLayers(markers);
      })
      .catch(function (error) { done(error); });
  }

  function summarise(el, kind, matched, shown) {
    var target = document.getElementById(el.getAttribute("data-summary-target"));
    if (!target) { return; }
    var key = "data-summary-" + kind + (matched === 1 ? "-one" : "-many");
    var text = fill(el.getAttribute(key), { n: matched });
    if (shown < matched) { text += " " + fill(el.getAttribute("data-summary-more"), { shown: shown }); }
    target.textContent = text;
  }

  function startMap(el) {
    useImages(el);
    var view = startView(el);
    var map = L.map(el, { scrollWheelZoom: false }).setView(view.centre, view.zoom);
    tiles(el).addTo(map);
    var layers = JSON.parse(el.getAttribute("data-layers"));
    var control = {};
    layers.forEach(function (layer) {
      var group = clusters(el, layer.kind);
      control[layer.name] = group;
      var loaded = false;
      function loadOnce() {
        if (loaded) { return; }
        loaded = true;
        load(layer.url, group, layer.kind, 0, function (error, matched, shown) {
          if (error) {
            var target = document.getElementById(el.getAttribute("data-summary-target"));
            if (target && layer.shown) { target.textContent = el.getAttribute("data-failed"); }
            if (layer.shown) { el.setAttribute("data-ready", "failed"); }
            return;
          }
          el.setAttribute("data-loaded-" + layer.kind, String(shown));
          if (layer.shown) {
            summarise(el, layer.kind, matched, shown);
            // Show where the page's own ideas or places are (the filters may have chosen a
            // corner of the area), no closer than a street; at once, without an animation.
            if (shown) {
              map.fitBounds(group.getBounds(), { maxZoom: 16, padding: [24, 24], animate: false });
            }
            // Drawn and still (tests wait for this before they look).
            el.setAttribute("data-ready", "true");
          }
        });
      }
      if (layer.shown) {
        group.addTo(map);
        loadOnce();
      } else {
        group.on("add", loadOnce); // the other kind loads when it is switched on
      }
    });
    L.control.layers(null, control, { collapsed: false }).addTo(map);
  }

  // ------------------------------------------------------------------ the pin picker

  function startPicker(el) {
    useImages(el);
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(el.getAttribute("data-lon-input"));
    var mapEl = el.querySelector("[data-ci-pin-map]");
    var live = el.querySelector("[data-ci-pin-announce]");
    var places = JSON.parse(el.getAttribute("data-places") || "{}");
    var view = startView(el);
    var map = L.map(mapEl, { keyboard: false, scrollWheelZoom: false })
      .setView(view.centre, view.zoom);
    tiles(el).addTo(map);
    var pin = null;

    function announce(template, latlng) {
      live.textContent = fill(template, latlng ? {
        lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5)
      } : {});
    }

    function setPin(latlng, message, typed) {
      latlng = L.latLng(latlng);
      if (!pin) {
        pin = L.marker(latlng, { draggable: true, keyboard: false, alt: "", interactive: true })
          .addTo(map);
        pin.on("dragend", function () { setPin(pin.getLatLng(), el.getAttribute("data-moved")); });
      } else {
        pin.setLatLng(latlng);
      }
      if (!typed) { // the fields already say what was typed in them
        latInput.value = latlng.lat.toFixed(6);
        lonInput.value = latlng.lng.toFixed(6);
      }
      if (message) { announce(message, latlng); }
      map.panInside(latlng, { padding: [20, 20] });
    }

    function fromInputs() {
      var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        setPin([lat, lon], null, true);
        return true;
      }
      return false;
    }

    if (fromInputs()) { map.setView(pin.getLatLng(), Math.max(view.zoom, 16)); }
    latInput.addEventListener("change", fromInputs);
    lonInput.addEventListener("change", fromInputs);

    map.on("click", function (event) { setPin(event.latlng, el.getAttribute("data-moved")); });

    var STEPS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    mapEl.addEventListener("keydown", function (event) {
      if (event.key === "+" || event.key === "=") { map.zoomIn(); event.preventDefault(); return; }
      if (event.key === "-") { map.zoomOut(); event.preventDefault(); return; }
      var step = STEPS[event.key];
      if (!step) { return; }
      event.preventDefault();
      if (!pin) {
        setPin(map.getCenter(), el.getAttribute("data-moved"));
        return;
      }
      var distance = event.shiftKey ? 50 : 10; // pixels at the current zoom
      var point = map.latLngToContainerPoint(pin.getLatLng())
        .add(L.point(step[0] * distance, step[1] * distance));
      setPin(map.containerPointToLatLng(point), el.getAttribute("data-moved"));
    });

    var locate = el.querySelector("[data-ci-use-location]");
    if (locate) {
      if (!navigator.geolocation) {
        locate.hidden = true;
      } else {
        locate.addEventListener("click", function () {
          announce(el.getAttribute("data-locating"));
          navigator.geolocation.getCurrentPosition(function (position) {
            var here = [position.coords.latitude, position.coords.longitude];
            map.setView(here, Math.max(map.getZoom(), 17));
            setPin(here, el.getAttribute("data-located"));
          }, function () {
            announce(el.getAttribute("data-locate-failed"));
          }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
        });
      }
    }

    var remove = el.querySelector("[data-ci-remove-pin]");
    if (remove) {
      remove.addEventListener("click", function () {
        if (pin) { map.removeLayer(pin); pin = null; }
        latInput.value = "";
        lonInput.value = "";
        announce(el.getAttribute("data-removed"));
      });
    }

    var placeSelect = document.getElementById(el.getAttribute("data-place-select") || "");
    if (placeSelect) {
      placeSelect.addEventListener("change", function () {
        var place = places[placeSelect.value];
        if (!place) { return; }
        map.setView(place, Math.max(map.getZoom(), 16));
        setPin(place, el.getAttribute("data-placed"));
      });
    }
    return map;
  }

  // ------------------------------------------------------------------ start what is on the page

  function startAll() {
    var blocks = document.querySelectorAll("[data-ci-map-block][hidden]");
    for (var i = 0; i < blocks.length; i++) {
      var el = blocks[i].querySelector("[data-ci-map]");
      blocks[i].hidden = false;
      if (el) { startMap(el); }
    }
    var pickers = document.querySelectorAll("[data-ci-pin-picker][hidden]");
    for (var j = 0; j < pickers.length; j++) { startPickerWhenShown(pickers[j]); }
  }

  function startPickerWhenShown(el) {
    el.hidden = false;
    var details = el.closest("details");
    if (!details || details.open) { startPicker(el); return; }
    // In a closed details element the map has no size yet: start it when it is opened.
    details.addEventListener("toggle", function started() {
      if (!details.open) { return; }
      details.removeEventListener("toggle", started);
      startPicker(el);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
  if (!window.ciMapsListening) {
    window.ciMapsListening = true;
    // A panel htmx swaps in (staff correcting an idea's point) may bring a picker.
    document.addEventListener("htmx:afterSettle", function () {
      if (window.ciMapsStart) { window.ciMapsStart(); }
    });
  }
  window.ciMapsStart = startAll;
}());
