// Hover values: the pointer's instant over the chart or a plot, the nearest sample's resident
// bytes per account (or the instant in the address's #at=SECONDS). Reads the JSON in
// #series-data; loads nothing.
(function () {
  "use strict";
  var el = document.getElementById("series-data");
  var tip = document.getElementById("hover");
  if (!el || !tip) { return; }
  var data = JSON.parse(el.textContent);
  function fmt(b) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b.toFixed(0) : b.toFixed(2)) + " " + u[i];
  }
  function clock(s) {
    var m = Math.floor(s / 60), r = s - 60 * m;
    return (m > 0 ? m + "m" + (r < 10 ? "0" : "") : "") + r.toFixed(3) + "s";
  }
  function nearest(t) {
    var lo = 0, hi = data.t.length - 1;
    if (hi < 0) { return -1; }
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (data.t[mid] <= t) { lo = mid; } else { hi = mid; }
    }
    return (t - data.t[lo] <= data.t[hi] - t) ? lo : hi;
  }
  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }
  function geometry(area) {
    return {
      box: area.getBoundingClientRect(),
      w: parseFloat(area.getAttribute("data-w")),
      x0: parseFloat(area.getAttribute("data-x0")),
      x1: parseFloat(area.getAttribute("data-x1")),
      t1: parseFloat(area.getAttribute("data-t1"))
    };
  }
  // The pointer's instant: the nearest sample's values beside the pointer.
  function show(area, ev) {
    var g = geometry(area);
    var x = (ev.clientX - g.box.left) * g.w / g.box.width;
    if (x < g.x0 || x > g.x1) { hide(area); return; }
    showAt(area, (x - g.x0) / (g.x1 - g.x0) * g.t1, ev.clientX, ev.clientY);
  }
  // The values at instant t (seconds), the tooltip placed at (px, py) in the window.
  function showAt(area, t, px, py) {
    var g = geometry(area);
    var i = nearest(t);
    if (i < 0) { return; }
    var cursor = area.querySelector(".cursor");
    if (cursor) {
      cursor.style.left = ((g.x0 + data.t[i] / g.t1 * (g.x1 - g.x0)) * g.box.width / g.w) + "px";
      cursor.style.display = "block";
    }
    var rows = [];
    for (var k = 0; k < data.series.length; k++) {
      var v = data.series[k].v[i];
      if (v > 0) { rows.push([data.series[k].name, v]); }
    }
    rows.sort(function (a, b) { return b[1] - a[1]; });
    var table = document.createElement("table");
    var head = document.createElement("tr");
    head.appendChild(cell("at " + clock(data.t[i])));
    head.appendChild(cell(fmt(data.total[i]) + " resident", "v"));
    table.appendChild(head);
    for (var r = 0; r < rows.length && r < 12; r++) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(rows[r][0]));
      tr.appendChild(cell(fmt(rows[r][1]), "v"));
      table.appendChild(tr);
    }
    tip.textContent = "";
    tip.appendChild(table);
    tip.setAttribute("data-at", data.t[i].toFixed(3));
    tip.style.display = "block";
    var left = px + 14;
    if (left + tip.offsetWidth > window.innerWidth) { left = px - 14 - tip.offsetWidth; }
    tip.style.left = left + "px";
    tip.style.top = Math.max(0, py - tip.offsetHeight / 2) + "px";
  }
  function hide(area) {
    tip.style.display = "none";
    var cursor = area.querySelector(".cursor");
    if (cursor) { cursor.style.display = "none"; }
  }
  var areas = document.querySelectorAll("[data-hover]");
  for (var a = 0; a < areas.length; a++) {
    (function (area) {
      area.addEventListener("mousemove", function (ev) { show(area, ev); });
      area.addEventListener("mouseleave", function () { hide(area); });
    })(areas[a]);
  }
  // A link to an instant: report.html#at=783.6 shows the values at 783.6 s on the first chart.
  var at = /^#at=([0-9]+(\.[0-9]+)?)$/.exec(window.location.hash);
  if (at && areas.length > 0) {
    var g = geometry(areas[0]);
    var t = parseFloat(at[1]);
    var px = g.box.left + (g.x0 + Math.min(t, g.t1) / g.t1 * (g.x1 - g.x0)) * g.box.width / g.w;
    showAt(areas[0], t, px, g.box.top + g.box.height / 3);
  }
  document.documentElement.setAttribute("data-hover-ready", String(areas.length));
})();
