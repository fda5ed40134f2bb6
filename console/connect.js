// connect.js: the Connect page, from /v1/connect/... (the broker asks the Kafka Connect workers
// of console.connect.urls). Shown, with its nav entry, only when GET /v1/ says "connect": true.
// A connectors table (state colours as the other pages), a detail view with the tasks, the
// trace of a FAILED one and the config, buttons that pause / resume / restart / delete after
// an in-page confirmation, and a form that creates a connector from its JSON; the worker's own
// messages (validation errors, 409 during a rebalance) are shown as they come. The section is
// built here so index.html only carries the nav entry; every value goes through textContent
// (app.js's el/row/fill).
"use strict";

let connect = { enabled: false, selected: null, list: [], detail: null };

function stateCell(s) {
  const td = el("td", s === null || s === undefined ? "" : s);
  if (s) td.className = "state-" + s.toLowerCase();
  return td;
}

function buildConnectPage() {
  const sec = el("section", null, { id: "page-connect", "class": "page" });
  sec.hidden = true;
  sec.appendChild(el("h2", "Kafka Connect"));
  sec.appendChild(el("p", "", { id: "connect-worker", "class": "note" }));
  const form = el("form", null, { id: "connect-create", "class": "action" });
  const label = el("label", "New connector (JSON: {\"name\": ..., \"config\": {...}}) ");
  const ta = el("textarea", null, { id: "cc-json", rows: "3", placeholder:
    '{"name": "file-src", "config": {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"}}' });
  ta.style.width = "560px";
  label.appendChild(ta);
  form.appendChild(label);
  form.appendChild(el("button", "Create…", { type: "submit" }));
  sec.appendChild(form);
  sec.appendChild(el("p", "", { id: "connect-msg", "class": "action-msg connect-msg" }));
  const table = el("table", null, { id: "connectors" });
  table.appendChild(el("thead")).appendChild(row(
    ["Connector", "Type", "Class", "State", "Worker", "Tasks"].map(h => el("th", h))));
  table.appendChild(el("tbody"));
  sec.appendChild(table);
  const det = el("div", null, { id: "connector-detail" });
  det.hidden = true;
  det.appendChild(el("h3", "", { id: "connector-title" }));
  for (const [id, text, cls] of [["cc-pause", "Pause…", ""], ["cc-resume", "Resume…", ""],
                                 ["cc-restart", "Restart with tasks…", ""],
                                 ["cc-delete", "Delete…", "danger"]]) {
    const b = el("button", text, { id, type: "button", "class": cls });
    b.addEventListener("click", () => connectorAction(id.slice(3)));
    det.appendChild(b);
  }
  const tasks = el("table", null, { id: "connector-tasks" });
  tasks.appendChild(el("thead")).appendChild(row(
    ["Task", "State", "Worker", "Trace", ""].map(h => el("th", h))));
  tasks.appendChild(el("tbody"));
  det.appendChild(tasks);
  det.appendChild(el("h3", "Config"));
  const cfg = el("table", null, { id: "connector-config" });
  cfg.appendChild(el("thead")).appendChild(row(["Key", "Value"].map(h => el("th", h))));
  cfg.appendChild(el("tbody"));
  det.appendChild(cfg);
  sec.appendChild(det);
  document.querySelector("main").appendChild(sec);
  form.addEventListener("submit", createConnector);
}

function drawConnectors(doc) {
  connect.list = doc.connectors;
  setText("connect-worker", "Answered by the worker at " + doc.worker +
    (doc.tried.length ? " (not answering: " + doc.tried.join("; ") + ")" : ""));
  const sorted = [...doc.connectors].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  fill("connectors", sorted.map(c => {
    const tasks = el("td");
    for (const t of c.tasks) {
      tasks.appendChild(el("span", t.id + ":" + t.state + " ",
                           { "class": "state-" + String(t.state).toLowerCase() }));
    }
    const tr = row([c.name, c.type || "", c.class || "", stateCell(c.state), c.worker_id || "",
                    tasks], { "data-connector": c.name, "class": "clickable" });
    tr.addEventListener("click", () => {
      location.hash = "#connect/" + encodeURIComponent(c.name);
    });
    return tr;
  }));
  document.getElementById("page-connect").setAttribute("data-loaded", "1");
}

function drawConnectorDetail(d) {
  const det = document.getElementById("connector-detail");
  det.hidden = !d;
  if (!d) return;
  setText("connector-title", d.name + " (" + (d.type || "?") + ", " + (d.state || "no status") +
          (d.worker_id ? " on " + d.worker_id : "") + ")");
  fill("connector-tasks", d.tasks.map(t => {
    const trace = el("td");
    if (t.trace) trace.appendChild(el("pre", t.trace, { "class": "trace" }));
    const act = el("td");
    if (t.state === "FAILED") {
      const b = el("button", "Restart task…", { type: "button", "class": "task-restart" });
      b.addEventListener("click", () => taskRestart(d.name, t.id));
      act.appendChild(b);
    }
    return row([t.id, stateCell(t.state), t.worker_id || "", trace, act], { "data-task": t.id });
  }));
  fill("connector-config", Object.entries(d.config).sort().map(([k, v]) =>
    row([k, v], { "data-config": k })));
  det.setAttribute("data-connector", d.name);
}

function connectPath(name) {
  return "/v1/connect/connectors/" + encodeURIComponent(name);
}

async function refreshConnect() {
  if (!connect.enabled || !location.hash.startsWith("#connect") || document.hidden ||
      loginNeeded()) return; // polls again once logged in
  const parts = location.hash.slice(1).split("/");
  connect.selected = parts.length > 1 ? decodeURIComponent(parts.slice(1).join("/")) : null;
  try {
    drawConnectors(await getJSON("/v1/connect/connectors"));
    if (connect.selected !== null) drawConnectorDetail(await getJSON(connectPath(connect.selected)));
    else drawConnectorDetail(null);
  } catch (e) {
    say("connect-msg", "Error: " + e.message, true);
  }
}

function connectorAction(action) {
  const name = connect.selected;
  if (name === null) return;
  const what = { pause: "Pause", resume: "Resume", restart: "Restart (with its tasks)",
                 delete: "Delete" }[action];
  askConfirm(what + " connector " + name + "?", async () => {
    try {
      if (action === "delete") {
        await sendJSON("DELETE", connectPath(name));
        location.hash = "#connect";
      } else {
        await sendJSON("POST", connectPath(name) + "/" + action);
      }
      say("connect-msg", what + " " + name + ": done.");
      await refreshConnect();
    } catch (e) {
      say("connect-msg", what + " " + name + ": " + e.message, true);
    }
  });
}

function taskRestart(name, id) {
  askConfirm("Restart task " + id + " of connector " + name + "?", async () => {
    try {
      await sendJSON("POST", connectPath(name) + "/tasks/" + id + "/restart");
      say("connect-msg", "Restart task " + id + " of " + name + ": done.");
      await refreshConnect();
    } catch (e) {
      say("connect-msg", "Restart task " + id + " of " + name + ": " + e.message, true);
    }
  });
}

function createConnector(ev) {
  ev.preventDefault();
  let body;
  try {
    body = JSON.parse(document.getElementById("cc-json").value);
  } catch (e) {
    say("connect-msg", "Not JSON: " + e.message, true);
    return;
  }
  askConfirm("Create connector " + (body && body.name) + "?", async () => {
    try {
      await sendJSON("POST", "/v1/connect/connectors", body);
      say("connect-msg", "Created connector " + body.name + ".");
      await refreshConnect();
    } catch (e) {
      say("connect-msg", "Cannot create " + body.name + ": " + e.message, true);
    }
  });
}

async function startConnect() {
  let root;
  try {
    root = await getJSON("/v1/");
  } catch (e) {
    return;
  }
  connect.enabled = !!root.connect;
  if (!connect.enabled) return;
  buildConnectPage();
  document.getElementById("nav-connect").hidden = false;
  showPage();
  window.addEventListener("hashchange", refreshConnect);
  setInterval(refreshConnect, POLL_MS);
  refreshConnect();
}

startConnect();
