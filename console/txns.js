// txns.js: the Transactions page, from /v1/transactions (every broker's ListTransactions and
// DescribeTransactions). A transaction Ongoing longer than its timeout is "hanging" (the
// coordinator should have aborted it) and its row is highlighted. Polled every 5 s while the
// page is shown; values reach the page through textContent only (app.js's el/row/fill).
"use strict";

function txnPartitions(t) {
  return (t.topics || []).map(tp => tp.topic + ":" + tp.partitions.join(",")).join("  ");
}

function drawTxns(doc) {
  const txns = [...doc.transactions].sort((a, b) =>
    a.transactional_id < b.transactional_id ? -1 : a.transactional_id > b.transactional_id ? 1 : 0);
  fill("txns", txns.map(t => {
    const start = t.start_time_ms > 0 ? new Date(t.start_time_ms).toISOString() : "";
    const age = t.start_time_ms > 0 ? Math.round((doc.now_ms - t.start_time_ms) / 1000) + " s" : "";
    const state = el("td", t.hanging ? t.state + " (hanging)" : t.state);
    if (t.hanging) state.className = "bad-cell";
    const tr = row([t.transactional_id, state, t.producer_id,
      t.producer_epoch === undefined ? "" : t.producer_epoch,
      t.timeout_ms === undefined ? "" : t.timeout_ms, start, age, t.coordinator,
      txnPartitions(t)], { "data-txn": t.transactional_id });
    if (t.hanging) tr.className = "hanging";
    return tr;
  }));
  setText("txn-count", txns.length + " transactional ids, " +
    txns.filter(t => t.hanging).length + " hanging");
  setText("txn-errors", doc.errors.length ? "Not answered: " + doc.errors.join("; ") : "");
  document.getElementById("page-transactions").setAttribute("data-loaded", "1");
}

async function refreshTxns() {
  if (!location.hash.startsWith("#transactions") || document.hidden) return;
  try {
    drawTxns(await getJSON("/v1/transactions"));
  } catch (e) {
    setText("txn-errors", "error: " + e.message);
  }
}

window.addEventListener("hashchange", refreshTxns);
setInterval(refreshTxns, POLL_MS);
refreshTxns();
