// Hover values: the pointer's instant over the chart or a plot, the nearest sample's resident
// bytes per account. Reads the JSON in #series-data; loads nothing.
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
  function show(area, ev) {
    var box = area.getBoundingClientRect();
    var w = parseFloat(area.getAttribute("data-w"));
    var x0 = parseFloat(area.getAttribute("data-x0"));
    var x1 = parseFloat(area.getAttribute("data-x1"));
    var t1 = parseFloat(area.getAttribute("data-t1"));
    var x = (ev.clientX - box.left) * w / box.width;
    var cursor = area.querySelector(".cursor");
    if (x < x0 || x > x1) { hide(area); return; }
    var i = nearest((x - x0) / (x1 - x0) * t1);
    if (i < 0) { return; }
    if (cursor) {
      cursor.style.left = ((x0 + data.t[i] / t1 * (x1 - x0)) * box.width / w) + "px";
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
    tip.style.display = "block";
    var left = ev.clientX + 14;
    if (left + tip.offsetWidth > window.innerWidth) { left = ev.clientX - 14 - tip.offsetWidth; }
    tip.style.left = left + "px";
    tip.style.top = Math.max(0, ev.clientY - tip.offsetHeight / 2) + "px";
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
  document.documentElement.setAttribute("data-hover-ready", String(areas.length));
})();
