"""pg.py: a real PostgreSQL 15 server (Debian's postgresql-15 package) for tests.

initdb into a fresh data directory, start `postgres` on 127.0.0.1 and a free port with its
Unix socket in the same directory, wait (polling with a deadline) until it accepts queries,
and stop it by PID. PostgreSQL refuses to run as root, so under root the server runs as the
`postgres` system user (Popen(user=...), which execs directly: the PID we hold is the
postmaster's) and its directory is made under /tmp, because pytest's per-test directories are
private to root; the test directory gets a symlink `pg` to it.

Host connections need a password (scram-sha-256) so that connection.password is exercised;
the socket is trusted for the harness's own psql calls.
"""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

from kafkabroker import free_port

PG_BIN = "/usr/lib/postgresql/15/bin"
PSQL = "/usr/bin/psql"


class Postgres:
    def __init__(self, workdir=None, port=None, user="kc", password="kc-secret", db="kc"):
        self.workdir = workdir
        self.port = port or free_port()
        self.user, self.password, self.db = user, password, db
        self.as_root = os.getuid() == 0
        self.dir = tempfile.mkdtemp(prefix="pg-")
        self.proc = None
        self.log = None
        self._popen_kw = {}
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._popen_kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        if workdir:
            os.makedirs(workdir, exist_ok=True)
            link = os.path.join(workdir, "pg")
            if not os.path.lexists(link):
                os.symlink(self.dir, link)

    @property
    def url(self):
        """The JDBC-style URL the connectors take as connection.url."""
        return "jdbc:postgresql://127.0.0.1:%d/%s" % (self.port, self.db)

    def _run(self, args, **kw):
        return subprocess.run(args, capture_output=True, text=True, timeout=120,
                              cwd=self.dir, **self._popen_kw, **kw)

    def start(self, timeout=60.0):
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write("super-secret\n")
        if self.as_root:
            os.chown(pwfile, self._popen_kw["user"], self._popen_kw["group"])
        r = self._run([PG_BIN + "/initdb", "-D", data, "-U", "postgres", "--pwfile", pwfile,
                       "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                       "--locale=C", "--no-sync"])
        if r.returncode:
            raise RuntimeError("initdb failed: %s%s" % (r.stdout, r.stderr))
        self.launch(timeout)
        self._psql_admin("CREATE ROLE %s LOGIN PASSWORD '%s'" % (self.user, self.password),
                         db="postgres")
        self._psql_admin("CREATE DATABASE %s OWNER %s" % (self.db, self.user), db="postgres")
        return self

    def launch(self, timeout=60.0):
        """Start the server on the initialized data directory (again, after stop())."""
        data = os.path.join(self.dir, "data")
        self.log = open(os.path.join(self.dir, "postgres.log"), "ab")
        if self.as_root:
            os.chown(self.log.name, self._popen_kw["user"], self._popen_kw["group"])
        self.proc = subprocess.Popen(
            [PG_BIN + "/postgres", "-D", data, "-k", self.dir, "-p", str(self.port),
             "-h", "127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "shared_buffers=32MB",
             "-c", "max_connections=40"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.dir,
            **self._popen_kw)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited early; see %s/postgres.log" % self.dir)
            r = self._psql_admin("SELECT 1", db="postgres", check=False)
            if r.returncode == 0:
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise TimeoutError("postgres did not answer on port %d within %ss" % (self.port, timeout))
        return self

    def _psql_admin(self, sql, db=None, check=True):
        r = self._run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p",
                       str(self.port), "-U", "postgres", "-d", db or self.db, "-At", "-c", sql])
        if check and r.returncode:
            raise RuntimeError("psql %r failed: %s" % (sql, r.stderr))
        return r

    def sql(self, sql):
        """Run SQL as the superuser in the test database; returns rows as lists of strings
        (psql's unaligned output, '|' separated)."""
        out = self._psql_admin(sql).stdout
        return [line.split("|") for line in out.splitlines() if line != ""]

    def scalar(self, sql):
        rows = self.sql(sql)
        return rows[0][0] if rows else None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log:
            self.log.close()
            self.log = None

    def output(self):
        try:
            with open(os.path.join(self.dir, "postgres.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
