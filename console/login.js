// login.js: the console's login, when the broker has console.authentication=sasl: a form for a
// SASL user's name and password (POST /v1/login; the session is an HttpOnly cookie the page
// never reads), the user shown in the header with a logout button, and showLogin() for the
// other scripts when the API answers 401 (no session, or it expired). With
// console.authentication=none (GET /v1/session says so) none of it shows. Changes carry the
// header X-Console-Request: 1 (CONSOLE_CHANGE_HEADERS), the API's CSRF guard. Loaded before
// app.js; uses the DOM only, so it runs before the other scripts are in.
"use strict";

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
    refresh().then(messagesFromHash); // app.js, actions.js
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
