"""cdp.py: a real headless Chromium (Debian's chromium) driven over the DevTools protocol, for
tests that act on a page (fill a form, click, wait for the answer, take a screenshot).

The browser runs in its own session with its own profile directory, listens for DevTools on a
port it picks (read from its stderr), and is stopped by its PID (the process group it leads,
i.e. its own renderer children) at close(). Waits poll with deadlines (kafkabroker.wait_until).
"""
import base64
import json
import os
import re
import signal
import subprocess
import threading
import urllib.request

import websocket

from kafkabroker import wait_until

CHROMIUM = "/usr/bin/chromium"


class Browser:
    def __init__(self, workdir, width=1280, height=800):
        assert os.path.exists(CHROMIUM), "Debian's chromium is needed (scripts/install-deps.sh)"
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--user-data-dir=%s" % os.path.join(workdir, "cdp-profile"),
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self._next = 0
        self.ws = None
        try:
            ws_url = self._devtools_url()
            self.ws = websocket.create_connection(self._page_ws(ws_url), timeout=60,
                                                  suppress_origin=True)
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                      deviceScaleFactor=1, mobile=False)
        except Exception:
            self.close()
            raise

    def _devtools_url(self):
        """The browser's ws:// endpoint, from its stderr; the rest of stderr is drained."""
        found = []
        for line in self.proc.stderr:
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                found.append(m.group(1))
                break
        assert found, "chromium did not start its DevTools endpoint"
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()
        return found[0]

    def _page_ws(self, ws_url):
        hostport = re.match(r"ws://([^/]+)/", ws_url).group(1)

        def page():
            with urllib.request.urlopen("http://%s/json/list" % hostport, timeout=10) as r:
                pages = [t for t in json.loads(r.read()) if t.get("type") == "page"]
            return pages[0]["webSocketDebuggerUrl"] if pages else None
        return wait_until(page, 30, 0.2, what="a page target in chromium")

    def call(self, method, **params):
        self._next += 1
        self.ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._next:
                assert "error" not in msg, (method, msg["error"])
                return msg.get("result", {})

    def goto(self, url):
        self.call("Page.navigate", url=url)
        wait_until(lambda: self.eval("document.readyState") == "complete", 30, 0.1,
                   what="page load")

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in r, (expr, r["exceptionDetails"])
        return r["result"].get("value")

    def wait(self, expr, timeout=30, what=None):
        """Poll the JavaScript expression until it is truthy; its value."""
        return wait_until(lambda: self.eval(expr), timeout, 0.1, what=what or expr)

    def set_value(self, selector, value):
        self.eval("(() => { const e = document.querySelector(%s); e.value = %s;"
                  " e.dispatchEvent(new Event('input', {bubbles: true})); })()"
                  % (json.dumps(selector), json.dumps(value)))

    def click(self, selector):
        self.eval("document.querySelector(%s).click()" % json.dumps(selector))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own group: chromium and its children
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
