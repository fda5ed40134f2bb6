// actions.js: the console's forms that change the cluster (create / edit / delete topics,
// produce a test message, reset a group's offsets), the broker detail page, the lag-over-time
// chart, and the page's start. Changes are sent as JSON with Content-Type: application/json
// and X-Console-Request: 1 (the API's CSRF guards; app.js) and each asks for confirmation
// in the page first. Values are shown through textContent only, as in app.js.
"use strict";

const LAG_SAMPLES = 120;

async function sendJSON(method, path, body) {
  const r = await fetch(path, {
    method, cache: "no-store", headers: CONSOLE_CHANGE_HEADERS, // app.js
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const doc = await r.json();
  if (r.status === 401) showLogin();
  if (!r.ok) {
    const err = new Error(doc.error || String(r.status));
    err.doc = doc;
    throw err;
  }
  return doc;
}

// The in-page confirmation: text, then Confirm runs action (once) or Cancel drops it.
function askConfirm(text, action) {
  const box = document.getElementById("confirm");
  setText("confirm-text", text);
  box.hidden = false;
  const yes = document.getElementById("confirm-yes"), no = document.getElementById("confirm-no");
  const done = () => { box.hidden = true; yes.onclick = no.onclick = null; };
  yes.onclick = () => { done(); action(); };
  no.onclick = done;
}

function say(id, text, bad) {
  const e = document.getElementById(id);
  e.textContent = text;
  e.classList.toggle("bad-cell", !!bad);
}

// "k=v" lines into an object; null when a line has no '='.
function keyValues(text) {
  const out = {};
  for (const line of text.split("\n").map(l => l.trim()).filter(l => l)) {
    const i = line.indexOf("=");
    if (i <= 0) return null;
    out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return out;
}

// ---- topics

document.getElementById("topic-create").addEventListener("submit", ev => {
  ev.preventDefault();
  const name = document.getElementById("tc-name").value.trim();
  const partitions = parseInt(document.getElementById("tc-partitions").value, 10);
  const rf = parseInt(document.getElementById("tc-rf").value, 10);
  const configs = keyValues(document.getElementById("tc-configs").value);
  if (!name || !(partitions > 0) || !(rf > 0) || configs === null) {
    say("topic-action-msg", "Give a name, partitions and replication >= 1, configs as key=value lines.", true);
    return;
  }
  const cfg = Object.entries(configs).map(([k, v]) => k + "=" + v).join(", ");
  askConfirm("Create topic " + name + " with " + partitions + " partitions, replication " + rf +
             (cfg ? ", configs " + cfg : "") + "?", async () => {
    try {
      await sendJSON("POST", "/v1/topics", { name, partitions, replication_factor: rf, configs });
      say("topic-action-msg", "Created topic " + name + ".");
      await refresh();
    } catch (e) {
      say("topic-action-msg", "Cannot create " + name + ": " + e.message, true);
    }
  });
});

function drawTopicEdit(t) {
  document.getElementById("topic-edit").hidden = !t;
  if (!t) return;
  fill("topic-configs", Object.entries(t.configs).sort().map(([k, v]) => {
    const box = el("input", null, { "type": "checkbox", "data-remove": k });
    const td = el("td");
    td.appendChild(box);
    return row([k, v, td], { "data-config": k });
  }));
}

document.getElementById("topic-config-add").addEventListener("submit", ev => {
  ev.preventDefault();
  const name = state.selected;
  const key = document.getElementById("tcfg-key").value.trim();
  const value = document.getElementById("tcfg-value").value;
  const del = [...document.querySelectorAll("#topic-configs input[data-remove]:checked")]
                .map(b => b.getAttribute("data-remove"));
  const set = key ? { [key]: value } : {};
  if (!key && !del.length) {
    say("topic-action-msg", "Give a key to set or tick configs to remove.", true);
    return;
  }
  askConfirm("Change configs of " + name + ":" + (key ? " set " + key + "=" + value : "") +
             (del.length ? " remove " + del.join(", ") : "") + "?", async () => {
    try {
      await sendJSON("PUT", "/v1/topics/" + encodeURIComponent(name) + "/configs",
                     { set, delete: del });
      say("topic-action-msg", "Configs of " + name + " changed.");
      document.getElementById("tcfg-key").value = document.getElementById("tcfg-value").value = "";
      await refresh();
    } catch (e) {
      say("topic-action-msg", "Cannot change configs of " + name + ": " + e.message, true);
    }
  });
});

document.getElementById("topic-delete").addEventListener("click", () => {
  const name = state.selected;
  askConfirm("Delete topic " + name + " and all its messages?", async () => {
    try {
      await sendJSON("DELETE", "/v1/topics/" + encodeURIComponent(name));
      say("topic-action-msg", "Deleted topic " + name + ".");
      location.hash = "#topics";
      await refresh();
    } catch (e) {
      say("topic-action-msg", "Cannot delete " + name + ": " + e.message, true);
    }
  });
});

// ---- produce a test message

document.getElementById("produce-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const topic = document.getElementById("msg-topic").value;
  const partition = document.getElementById("pm-partition").value || "0";
  const key = document.getElementById("pm-key").value;
  const hs = keyValues(document.getElementById("pm-headers").value);
  if (!topic || hs === null) {
    say("produce-msg", "Choose a topic; headers as key=value lines.", true);
    return;
  }
  const body = { key: key === "" ? null : key, value: document.getElementById("pm-value").value,
                 headers: Object.entries(hs).map(([k, v]) => ({ key: k, value: v })) };
  try {
    const r = await sendJSON("POST", "/v1/topics/" + encodeURIComponent(topic) + "/partitions/" +
                             partition + "/messages", body);
    say("produce-msg", "Produced to " + r.topic + "-" + r.partition + " at offset " + r.offset + ".");
    document.getElementById("produce-msg").setAttribute("data-offset", r.offset);
  } catch (e) {
    say("produce-msg", "Cannot produce: " + e.message, true);
  }
});

// ---- groups: detail, lag over time, reset offsets

function sampleLag(groups) {
  state.lagHistory = state.lagHistory || {};
  const now = Date.now();
  for (const g of groups) {
    const total = totalLag(g);
    if (total === "") continue;
    const h = state.lagHistory[g.group_id] = state.lagHistory[g.group_id] || [];
    h.push([now, total]);
    if (h.length > LAG_SAMPLES) h.shift();
  }
}

function drawLagChart(g) {
  const h = (state.lagHistory || {})[g.group_id] || [];
  const svg = document.getElementById("chart-lag");
  setText("lag-now", h.length ? "(now " + h[h.length - 1][1] + ")" : "");
  if (!h.length) { svg.replaceChildren(); return; }
  const max = Math.max(1, ...h.map(s => s[1]));
  const pts = h.map(([, v], j) => // the samples so far across the width
    (j * 600 / Math.max(1, h.length - 1)).toFixed(1) + "," + (76 - v / max * 72).toFixed(1));
  const line = document.createElementNS(SVG_NS, "polyline");
  line.setAttribute("points", pts.join(" "));
  const label = document.createElementNS(SVG_NS, "text");
  label.setAttribute("x", "4");
  label.setAttribute("y", "12");
  label.textContent = "max " + max;
  svg.replaceChildren(line, label);
}

function drawGroupDetail(g) {
  document.getElementById("group-detail").hidden = !g;
  if (!g) return;
  drawLagChart(g);
  fill("group-members", g.members.map(m => row(
    [m.member_id, m.client_id, m.client_host,
     (m.assignment || []).map(a => a.topic + ": " + a.partitions.join(",")).join("; ")],
    { "data-member": m.member_id })));
}

// The tool's --to-datetime ('YYYY-MM-DDTHH:mm:SS.sss', zone optional: UTC) in ms, or NaN.
function parseDatetime(s) {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/.test(s)) return NaN;
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(s) ? s : s + "Z");
}

// java.time.Duration's PnDTnHnMnS in ms, or NaN.
function parseDuration(s) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
  if (!m || s.toUpperCase() === "P" || /T$/i.test(s)) return NaN;
  const [d, h, mi, sec] = m.slice(1).map(x => x === undefined ? 0 : Number(x));
  return Math.round(((d * 24 + h) * 60 + mi) * 60000 + sec * 1000);
}

// The reset request of the form (execute as given), or a string saying what is wrong.
function resetRequest(execute) {
  const strategy = document.getElementById("rs-strategy").value;
  const raw = document.getElementById("rs-value").value.trim();
  const req = { strategy, execute };
  if (strategy === "to-offset" || strategy === "shift-by") {
    if (!/^-?\d+$/.test(raw)) return "--" + strategy + " takes a whole number";
    req.value = parseInt(raw, 10);
  } else if (strategy === "to-datetime") {
    req.value = parseDatetime(raw);
    if (isNaN(req.value)) return "--to-datetime takes YYYY-MM-DDTHH:mm:SS.sss";
  } else if (strategy === "by-duration") {
    req.value = parseDuration(raw);
    if (isNaN(req.value)) return "--by-duration takes PnDTnHnMnS";
  }
  if (document.getElementById("rs-all").checked) req.all_topics = true;
  else req.topics = document.getElementById("rs-topics").value.split(/\s+/).filter(x => x);
  if (!req.all_topics && !req.topics.length) return "Name topics or tick all topics";
  return req;
}

function drawResetPlan(doc) {
  fill("reset-plan", doc.partitions.map(p => row(
    [p.topic, p.partition, p.current_offset === null ? "" : p.current_offset, p.new_offset,
     "error" in p ? (p.error === null ? "committed" : p.error) : "dry run"],
    { "data-topic": p.topic, "data-partition": p.partition })));
}

async function runReset(execute) {
  const group = state.groupFilter;
  const req = resetRequest(execute);
  if (typeof req === "string") {
    say("reset-msg", req, true);
    return;
  }
  try {
    const doc = await sendJSON("POST", "/v1/groups/" + encodeURIComponent(group) +
                               "/reset-offsets", req);
    drawResetPlan(doc);
    say("reset-msg", (execute ? "Offsets of " + group + " reset" : "Dry run for " + group +
                      ": nothing changed yet") + " (coordinator: broker " + doc.coordinator + ").");
    document.getElementById("rs-execute").disabled = execute;
    if (execute) await refresh();
  } catch (e) {
    say("reset-msg", "Cannot reset " + group + ": " + e.message, true);
    if (e.doc && e.doc.partitions) drawResetPlan(e.doc);
  }
}

document.getElementById("reset-form").addEventListener("submit", ev => {
  ev.preventDefault();
  runReset(false);
});
document.getElementById("reset-form").addEventListener("input", () => {
  document.getElementById("rs-execute").disabled = true; // preview again after a change
});
document.getElementById("rs-execute").addEventListener("click", () => {
  askConfirm("Reset the offsets of group " + state.groupFilter + " as shown in the dry run?",
             () => runReset(true));
});

// ---- brokers: configs and log dirs of one

async function showBroker(id) {
  document.getElementById("broker-detail").hidden = id === null;
  if (id === null) return;
  setText("broker-title", "Broker " + id + ": loading…");
  try {
    const [b, c] = await Promise.all([getJSON("/v1/brokers/" + encodeURIComponent(id)),
                                      getJSON("/v1/cluster")]); // its leader counts now
    state.broker = b;
    const info = c.brokers.find(x => String(x.id) === String(id));
    setText("broker-title", "Broker " + b.id + (info ? ": leads " + info.leaders +
            " partitions, holds " + info.replicas : "") +
            (b.errors.length ? " (" + b.errors.join("; ") + ")" : ""));
    fill("broker-logdirs", b.log_dirs.map(d => row(
      [d.dir, d.partitions, bytes(d.size_bytes), d.error === null ? "" : d.error],
      { "data-dir": d.dir })));
    drawBrokerConfigs();
  } catch (e) {
    setText("broker-title", "Broker " + id + ": " + e.message);
    fill("broker-logdirs", []);
    fill("broker-configs", []);
  }
}

function drawBrokerConfigs() {
  const q = document.getElementById("broker-config-filter").value.trim();
  const cs = (state.broker ? state.broker.configs : []).filter(c => !q || c.name.includes(q));
  fill("broker-configs", cs.map(c => row(
    [c.name, c.sensitive ? "(sensitive)" : c.value === null ? "null" : c.value, c.source],
    { "data-config": c.name })));
}

document.getElementById("broker-config-filter").addEventListener("input", drawBrokerConfigs);

// ---- start (the views are in app.js)

window.addEventListener("hashchange", () => { showPage(); messagesFromHash(); });
document.getElementById("msg-pretty").addEventListener("change", messagesFromHash);
document.getElementById("msg-form").addEventListener("submit", ev => {
  ev.preventDefault();
  const t = document.getElementById("msg-topic").value;
  const p = document.getElementById("msg-partition").value || "0";
  const time = document.getElementById("msg-time").value;
  const o = time ? "@" + new Date(time).getTime() : document.getElementById("msg-offset").value;
  location.hash = "#messages/" + encodeURIComponent(t) + "/" + p + (o === "" ? "" : "/" + o);
});
document.getElementById("topic-filter").addEventListener("input", () => drawTopics(state.topics));
showPage();
refresh().then(messagesFromHash);
setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
