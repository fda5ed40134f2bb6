"""gobuild.py: build a test's Go program (tests/integ/go/NAME, franz-go clients) with the Go
toolchain through the Go module proxy. Without Go the test FAILS (never skips)."""
import os
import shutil
import subprocess

import pytest


def find_go():
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK)
                                else None)
    if not go:
        pytest.fail("Go toolchain not found (PATH or /usr/local/go/bin/go): this test needs it "
                    "to build its franz-go client")
    return go


def go_build(src_dir, out):
    """Build the module in src_dir into the binary out; returns out."""
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    r = subprocess.run([find_go(), "build", "-o", out, "."], cwd=src_dir, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, "go build failed:\n" + r.stdout + r.stderr
    return out


def wait_or_kill(proc, timeout=30):
    """Wait for a test's Go program asked to stop; SIGKILL it after timeout. Its exit code."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    return proc.returncode
