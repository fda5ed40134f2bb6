// app.js: the console's pages, drawn from the broker's JSON API (/v1/cluster, /v1/topics,
// /v1/groups, and /v1/topics/<t>/partitions/<p>/messages for the message browser). Every
// value reaches the page through textContent or setAttribute, never innerHTML, so names,
// keys and values holding HTML show as text. Polls every 5 s while the tab is visible; with
// a console login, not before one (the login form at the end). actions.js adds the forms that
// change things and starts the page.
"use strict";

const POLL_MS = 5000;
let state = { cluster: null, topics: [], groups: [], selected: null, groupFilter: null };

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

function row(cells, attrs) {
  const tr = el("tr", null, attrs);
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

function setText(id, text) {
  document.getElementById(id).textContent = String(text);
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (r.status === 401) showLogin(); // below
  if (!r.ok) throw new Error(path + ": " + (body.error || r.status));
  return body;
}

function bytes(n) {
  if (n < 1024) return n + " B";
  const u = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return n.toFixed(1) + " " + u[i];
}

function drawOverview(c) {
  setText("cluster-id", c.cluster_id);
  setText("controller", c.controller_id >= 0 ? "broker " + c.controller_id : "none");
  document.getElementById("controller").setAttribute("data-controller-id", c.controller_id);
  setText("zookeeper", c.zookeeper);
  setText("served-by", c.broker_id);
  const p = c.partitions;
  setText("n-brokers", c.brokers.length);
  setText("n-topics", p.topics);
  setText("n-partitions", p.partitions);
  setText("n-urp", p.under_replicated);
  setText("n-offline", p.offline);
  setText("n-minisr", p.under_min_isr);
  document.getElementById("card-urp").classList.toggle("bad", p.under_replicated > 0);
  document.getElementById("card-offline").classList.toggle("bad", p.offline > 0);
  document.getElementById("card-minisr").classList.toggle("bad", p.under_min_isr > 0);
  const brokers = [...c.brokers].sort((a, b) => a.id - b.id);
  fill("overview-brokers", brokers.map(b => row(
    [b.id, b.host, b.port, b.rack === null ? "" : b.rack,
     b.id === c.controller_id ? "controller" : "", b.leaders, b.replicas],
    { "data-broker-id": b.id })));
  const eps = [];
  for (const b of brokers)
    for (const e of b.endpoints) {
      const tr = row([b.id, e.listener, e.host, e.port, b.rack === null ? "" : b.rack,
                      b.leaders, b.replicas], { "data-broker-id": b.id, "class": "clickable" });
      tr.addEventListener("click", () => { location.hash = "#brokers/" + b.id; });
      eps.push(tr);
    }
  fill("brokers", eps);
}

// Rates between successive /v1/cluster counters, drawn as inline SVG lines (last 60 polls).
const SAMPLES = 60;
const SVG_NS = "http://www.w3.org/2000/svg";
const charts = [["messages", "messages_in"], ["bytes-in", "bytes_in"], ["bytes-out", "bytes_out"]];

function drawTraffic(t) {
  const prev = state.lastTraffic;
  state.lastTraffic = t;
  if (!prev || t.at_ms <= prev.at_ms) return;
  const secs = (t.at_ms - prev.at_ms) / 1000;
  state.rates = state.rates || [];
  state.rates.push(charts.map(([, k]) => Math.max(0, t[k] - prev[k]) / secs));
  if (state.rates.length > SAMPLES) state.rates.shift();
  charts.forEach(([id], i) => {
    const vals = state.rates.map(r => r[i]);
    const max = Math.max(1, ...vals);
    const pts = vals.map((v, j) =>
      (j * 300 / (SAMPLES - 1)).toFixed(1) + "," + (58 - v / max * 56).toFixed(1));
    const line = document.createElementNS(SVG_NS, "polyline");
    line.setAttribute("points", pts.join(" "));
    document.getElementById("chart-" + id).replaceChildren(line);
    setText("rate-" + id, Math.round(vals[vals.length - 1]));
  });
}

function drawTopics(topics) {
  const q = document.getElementById("topic-filter").value.trim();
  const shown = topics.filter(t => !q || t.name.includes(q))
                      .sort((a, b) => a.name.localeCompare(b.name));
  fill("topics", shown.map(t => {
    const cfg = Object.entries(t.configs).map(([k, v]) => k + "=" + v).join(", ");
    const tr = row([t.name, t.partitions, t.replication_factor, bytes(t.local_size_bytes), cfg],
                   { "data-topic": t.name, "class": "clickable" });
    tr.addEventListener("click", () => { location.hash = "#topics/" + encodeURIComponent(t.name); });
    return tr;
  }));
  drawTopicDetail();
}

function drawTopicDetail() {
  const t = state.topics.find(x => x.name === state.selected);
  const table = document.getElementById("topic-detail");
  table.hidden = !t;
  setText("topic-detail-title", t ? "Partitions of " + t.name
                                  : state.selected ? "Unknown topic: " + state.selected : "");
  drawTopicEdit(t);
  if (!t) return;
  fill("topic-detail", t.partition_list.map(p => {
    const l = p.local || {};
    const leader = el("td", p.leader >= 0 ? p.leader : "none");
    if (p.leader < 0) leader.className = "bad-cell";
    const isr = el("td", p.isr.join(","));
    if (p.isr.length < p.replicas.length) isr.className = "bad-cell";
    return row([p.partition, leader, p.replicas.join(","), isr,
                "log_start_offset" in l ? l.log_start_offset : "",
                "log_end_offset" in l ? l.log_end_offset : "",
                "high_watermark" in l ? l.high_watermark : ""],
               { "data-topic": t.name, "data-partition": p.partition });
  }));
}

function totalLag(g) {
  const known = g.offsets.filter(o => "lag" in o);
  return known.length ? known.reduce((s, o) => s + o.lag, 0) : "";
}

function drawGroups(groups) {
  const only = state.groupFilter; // #groups/<id>: that group alone
  const sorted = [...groups].filter(g => only === null || g.group_id === only)
                            .sort((a, b) => a.group_id.localeCompare(b.group_id));
  setText("group-message", only !== null && !sorted.length && state.groupsLoaded
    ? "Unknown group: " + only : "");
  fill("groups", sorted.map(g => {
    const tr = row([g.group_id, g.state, g.type, g.members.length, totalLag(g), g.coordinator],
                   { "data-group": g.group_id, "class": "clickable" });
    tr.addEventListener("click", () => {
      location.hash = "#groups/" + encodeURIComponent(g.group_id);
    });
    return tr;
  }));
  drawGroupDetail(only !== null && sorted.length ? sorted[0] : null);
  const rows = [];
  for (const g of sorted) {
    const offs = [...g.offsets].sort((a, b) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition);
    for (const o of offs) {
      const lag = el("td", "lag" in o ? o.lag : "", { "class": "lag" });
      rows.push(row([g.group_id, o.topic, o.partition, o.committed_offset,
                     "high_watermark" in o ? o.high_watermark : "", lag],
                    { "data-group": g.group_id, "data-topic": o.topic,
                      "data-partition": o.partition }));
    }
  }
  fill("group-offsets", rows);
}

// An uncut text value holding a JSON object or array, indented when "JSON pretty" is on.
function prettyJSON(b) {
  const t = b.data.trim();
  if (b.truncated || !document.getElementById("msg-pretty").checked ||
      !(t.startsWith("{") || t.startsWith("[")))
    return b.data;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch (e) {
    return b.data;
  }
}

// A key, value or header value from the API: {encoding, data, size, truncated} or null.
function shownBytes(b, download) {
  const td = el("td");
  if (b === null) {
    td.appendChild(el("span", "null", { "class": "note" }));
    return td;
  }
  td.appendChild(el("span", b.encoding === "hex" ? "0x" + b.data : prettyJSON(b),
                    { "class": "bytes-" + b.encoding }));
  if (b.truncated) {
    td.appendChild(el("span", " … (" + b.size + " bytes, first 4096 shown) ",
                      { "class": "note truncated" }));
    if (download)
      td.appendChild(el("a", "download", { "href": download, "download": "", "class": "download" }));
  }
  return td;
}

function headersCell(hs) {
  const td = el("td");
  for (const h of hs) {
    const d = el("div");
    d.appendChild(el("span", h.key.data + "="));
    d.appendChild(el("span", h.value === null ? "null" : h.value.data));
    td.appendChild(d);
  }
  return td;
}

async function showMessages(topic, partition, offset) {
  const status = document.getElementById("msg-status");
  let path = "/v1/topics/" + encodeURIComponent(topic) + "/partitions/" + partition + "/messages";
  // offset: "" (newest), a number, or "@<ms>" (from the first record at or after that time)
  if (offset.startsWith("@")) path += "?timestamp=" + encodeURIComponent(offset.slice(1));
  else if (offset !== "") path += "?offset=" + encodeURIComponent(offset);
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (r.status === 401) showLogin();
  if (!r.ok) {
    fill("messages", []);
    status.textContent = r.status === 409
      ? "Broker " + (state.cluster ? state.cluster.broker_id : "") + " does not lead " + topic + "-" + partition +
        "; open the console of its leader, broker " + body.leader + "."
      : "Error: " + body.error;
    return;
  }
  status.textContent = topic + "-" + partition + ": offsets " + body.log_start_offset + " to " +
    body.high_watermark + ", showing " + body.messages.length + " from " + body.offset +
    " (next " + body.next_offset + ")";
  fill("messages", body.messages.map(m => row(
    [m.offset, new Date(m.timestamp).toISOString(), shownBytes(m.key),
     shownBytes(m.value, path.split("?")[0] + "/" + m.offset + "/value"),
     headersCell(m.headers)],
    { "data-offset": m.offset })));
}

function messagesFromHash() {
  // #messages/<topic>/<partition>[/<offset> | /@<ms since the epoch>]
  const parts = location.hash.slice(1).split("/");
  if (parts[0] !== "messages" || parts.length < 3) return;
  const topic = decodeURIComponent(parts[1]);
  document.getElementById("msg-partition").value = parts[2];
  const from = parts[3] || "";
  document.getElementById("msg-offset").value = from.startsWith("@") ? "" : from;
  state.msgTopic = topic;
  drawTopicChoice();
  showMessages(topic, parts[2], parts[3] || "").catch(e => {
    document.getElementById("msg-status").textContent = "Error: " + e.message;
  });
}

function drawTopicChoice() {
  const sel = document.getElementById("msg-topic");
  const names = state.topics.map(t => t.name).sort();
  if (state.msgTopic && !names.includes(state.msgTopic)) names.unshift(state.msgTopic);
  const cur = state.msgTopic || sel.value;
  sel.replaceChildren(...names.map(n => el("option", n, { "value": n })));
  if (cur) sel.value = cur;
}

function showPage() {
  const parts = (location.hash || "#overview").slice(1).split("/");
  const page = parts[0];
  if (page === "topics") { // #topics/<name>: that topic's partitions below the list
    state.selected = parts.length > 1 ? decodeURIComponent(parts[1]) : null;
    drawTopicDetail();
  }
  if (page === "groups") {
    state.groupFilter = parts.length > 1 ? decodeURIComponent(parts.slice(1).join("/")) : null;
    drawGroups(state.groups);
  }
  if (page === "brokers") showBroker(parts.length > 1 ? parts[1] : null);
  for (const s of document.querySelectorAll(".page"))
    s.hidden = s.id !== "page-" + page;
  for (const a of document.querySelectorAll("nav a"))
    a.classList.toggle("active", a.dataset.page === page);
}

async function refresh() {
  if (loginNeeded()) return; // polls again once logged in
  const status = document.getElementById("status");
  try {
    const [c, t, g] = await Promise.all(
      [getJSON("/v1/cluster"), getJSON("/v1/topics"), getJSON("/v1/groups")]);
    state.cluster = c;
    state.topics = t.topics;
    state.groups = g.groups;
    state.groupsLoaded = true;
    setText("group-errors", g.errors.length ? "Not answered: " + g.errors.join("; ") : "");
    sampleLag(g.groups);
    drawOverview(c);
    drawTraffic(c.traffic);
    drawTopics(t.topics);
    drawGroups(g.groups);
    drawTopicChoice();
    status.className = "";
    status.textContent = "updated " + new Date().toLocaleTimeString();
    document.body.setAttribute("data-loaded", "1");
  } catch (e) {
    status.className = loginNeeded() ? "" : "error";
    status.textContent = loginNeeded() ? "not logged in" : "error: " + e.message;
  }
}

// ---- login (console.authentication=sasl): a form for a SASL user's name and password
// (POST /v1/login; the session is an HttpOnly cookie the page never reads), the user shown in
// the header with a logout button, and showLogin() when the API answers 401 (no session, or it
// expired). With console.authentication=none (GET /v1/session says so) none of it shows.
// Changes carry X-Console-Request: 1 (CONSOLE_CHANGE_HEADERS), the API's CSRF guard with login.

const CONSOLE_CHANGE_HEADERS = { "Content-Type": "application/json", "X-Console-Request": "1" };

function loginNeeded() {
  return document.body.classList.contains("login-needed");
}

function showLogin(message) {
  document.body.classList.add("login-needed");
  document.getElementById("login").hidden = false;
  document.getElementById("whoami").hidden = true;
  document.getElementById("login-msg").textContent = message || "";
  document.getElementById("login-user").focus();
}

function showUser(who) {
  document.body.classList.remove("login-needed");
  document.getElementById("login").hidden = true;
  document.getElementById("whoami").hidden = who.authentication !== "sasl";
  document.getElementById("whoami-user").textContent = who.user || "";
}

async function whoAmI() {
  const r = await fetch("/v1/session", { cache: "no-store" });
  const doc = await r.json();
  if (r.status === 401) showLogin();
  else if (r.ok) showUser(doc);
}

document.getElementById("login-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const username = document.getElementById("login-user").value.trim();
  const pw = document.getElementById("login-password");
  const msg = document.getElementById("login-msg");
  msg.textContent = "";
  try {
    const r = await fetch("/v1/login", {
      method: "POST", cache: "no-store", headers: CONSOLE_CHANGE_HEADERS,
      body: JSON.stringify({ username, password: pw.value }),
    });
    const doc = await r.json();
    if (!r.ok) {
      msg.textContent = doc.error || String(r.status);
      return;
    }
    pw.value = "";
    showUser(doc);
    refresh().then(messagesFromHash);
  } catch (e) {
    msg.textContent = "Cannot log in: " + e.message;
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await fetch("/v1/logout", { method: "POST", cache: "no-store", headers: CONSOLE_CHANGE_HEADERS });
  } finally {
    showLogin("Logged out.");
  }
});

whoAmI().catch(() => {});
