"""How fast the partnership dashboard is, against a bare Flask hello-world served the same way.

    .venv/bin/python benchmarks/dashboard.py [--seconds 10] [--concurrency 8] [--workers 2] [--rows N]

Run by hand; never part of the tests. It builds everything it needs in a temporary folder and removes it
afterwards (``--keep`` leaves it):

1. a fresh SQLite database (``flask db upgrade``), the shipped partnerships (``flask tenants import
   tenants/``) and a tenant admin of ``hf`` (``flask users create``), through the real commands;
2. optionally ``--rows N`` extra members and ``10 * N`` audit events in ``hf``;
3. gunicorn serving ``wsgi:app`` and, on another port with the same workers, ``benchmarks/hello.py``;
4. a sign-in through the real /login form (CSRF token from the page, session cookie kept), then GET /hf/
   from ``--concurrency`` threads, each on its own keep-alive connection (http.client), for ``--seconds``;
   the same for the hello-world; requests per second, p50 and p99 latency, and the ratio;
5. in-process, with the Flask test client and a ``before_cursor_execute`` listener on the app's engine:
   the SQL statements per dashboard request, before and after adding many more rows (``--many-members``,
   ``--many-events``), which should be the same number.

gunicorn's default (sync) workers answer ``Connection: close``, so "keep-alive" clients reconnect after each
response; both servers are treated alike. The load generator runs on the same machine as the servers and
competes with them for the CPU: compare the ratio, not the absolute figures, between machines.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
TENANT = "hf"
EMAIL = "bench@example.org"
PASSWORD = secrets.token_urlsafe(18)  # a throw-away user in a throw-away database
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ACTIVE_MEMBERS = re.compile(r"<strong>(\d+)</strong> active members")


def bin_dir() -> Path:
    here = Path(sys.executable).parent
    return here if (here / "gunicorn").exists() else ROOT / ".venv" / "bin"


# -- set-up ---------------------------------------------------------------------------------------------


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"REDIS_URL", "DATABASE_URL", "FLASK_APP", "SECRET_KEY", "LSCP_REQUIRE_SERVICES"}}
    env.update({
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "INSTANCE_PATH": str(tmp),
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(tmp / "mail"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    command = [str(bin_dir() / "flask"), "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, input=stdin, text=True, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command[1:])}\n{done.stdout}{done.stderr}")
    return done.stdout


def set_up_database(env: dict[str, str]) -> None:
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "tenants", "import", "tenants/")
    flask_cli(env, "users", "create", "--email", EMAIL, "--password-stdin", "--tenant", TENANT,
              "--role", "tenant_admin", stdin=PASSWORD + "\n")


_app = None


def the_app():
    """The platform in this process (for adding rows and counting queries), built from the same env."""
    global _app
    if _app is None:
        from core.app import create_app

        _app = create_app()
    return _app


def add_rows(members: int, events: int) -> None:
    """Bulk-insert members (users with a practitioner membership, one in ten only invited) and audit events
    into the benchmark tenant, with Core inserts: hashing thousands of passwords would take minutes."""
    if members <= 0 and events <= 0:
        return
    from sqlalchemy import func, select

    from core.audit.models import AuditEvent
    from core.auth.models import Membership, Role, User, membership_roles
    from core.db import utcnow
    from core.tenancy.models import Tenant

    engine = the_app().extensions["lscp.engine"]
    users, memberships, roles, audit = (User.__table__, Membership.__table__, Role.__table__,
                                        AuditEvent.__table__)
    now = utcnow()
    with engine.begin() as conn:
        tenant_id = conn.scalar(select(Tenant.__table__.c.id).where(Tenant.__table__.c.slug == TENANT))
        role_id = conn.scalar(select(roles.c.id).where(roles.c.tenant_id == tenant_id,
                                                       roles.c.key == "practitioner"))
        start = (conn.scalar(select(func.max(users.c.id))) or 0) + 1
        if members > 0:
            conn.execute(users.insert(), [
                {"email": f"member-{start + i}@bench.example.org", "name": f"Member {start + i}",
                 "password_hash": None, "is_platform_admin": False, "active": True, "is_demo": False,
                 "created_at": now, "session_version": 1}
                for i in range(members)
            ])
            user_ids = conn.scalars(select(users.c.id).where(users.c.id >= start).order_by(users.c.id)).all()
            conn.execute(memberships.insert(), [
                {"tenant_id": tenant_id, "user_id": uid, "status": "invited" if n % 10 == 9 else "active",
                 "job_title": "Practitioner", "created_at": now}
                for n, uid in enumerate(user_ids)
            ])
            membership_ids = conn.scalars(select(memberships.c.id).where(memberships.c.user_id >= start)).all()
            conn.execute(membership_roles.insert(),
                         [{"membership_id": mid, "role_id": role_id} for mid in membership_ids])
        if events > 0:
            actor = conn.scalar(select(users.c.id).where(users.c.email == EMAIL))
            conn.execute(audit.insert(), [
                {"tenant_id": tenant_id, "at": now, "actor_id": actor, "actor_label": EMAIL,
                 "action": "bench.event", "object_type": "Membership", "object_id": str(i),
                 "summary": f"Benchmark event {i}", "details": {"n": i}, "ip": "127.0.0.1"}
                for i in range(events)
            ])


# -- servers --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(bin_dir() / "gunicorn"), "-b", f"127.0.0.1:{self.port}", *self.args]
        with open(self.log, "wb") as log:
            # Its own session: Ctrl-C reaches this script only, which then stops the server by its pid.
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        sys.exit(f"{self.name} server did not start in 30 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


# -- signing in over HTTP -------------------------------------------------------------------------------


def _cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def _keep_cookies(jar: SimpleCookie, response: http.client.HTTPResponse) -> None:
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)


def sign_in(port: int) -> str:
    """Sign in through the real form; return the Cookie header of the signed-in session."""
    jar: SimpleCookie = SimpleCookie()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        _keep_cookies(jar, response)
        match = TOKEN.search(page)
        if response.status != 200 or match is None:
            sys.exit(f"GET /login answered {response.status} without a CSRF token")
        form = urlencode({"csrf_token": match.group(1), "email": EMAIL, "password": PASSWORD})
        conn.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar)})
        response = conn.getresponse()
        response.read()
        _keep_cookies(jar, response)
        if response.status != 302 or not (response.getheader("Location") or "").endswith(f"/{TENANT}/"):
            sys.exit(f"signing in answered {response.status} {response.getheader('Location')}")
        cookie = _cookie_header(jar)
        conn.request("GET", f"/{TENANT}/", headers={"Cookie": cookie})
        response = conn.getresponse()
        body = response.read().decode()
        if response.status != 200 or "<h1 class=\"govuk-heading-l\">Dashboard</h1>" not in body:
            sys.exit(f"the dashboard answered {response.status} after signing in")
        return cookie
    finally:
        conn.close()


# -- load -----------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def drive(name: str, port: int, path: str, cookie: str | None, seconds: float, concurrency: int,
          stop: threading.Event) -> Result:
    """GET ``path`` from ``concurrency`` threads, each on its own connection, for ``seconds``."""
    headers = {"Cookie": cookie} if cookie else {}
    per_thread: list[tuple[list[float], int]] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker():
        latencies: list[float] = []
        errors = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start_gate.wait()
        while not stop.is_set():
            began = time.perf_counter()
            if began >= deadline[0]:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                errors += 1
                continue
            if response.status == 200:
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1
        conn.close()
        with lock:
            per_thread.append((latencies, errors))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = [x for lat, _e in per_thread for x in lat]
    return Result(name, len(latencies), sum(e for _l, e in per_thread), elapsed, latencies)


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def drive_wrk(name: str, port: int, path: str, cookie: str | None, seconds: float, concurrency: int) -> Result:
    """The same load from wrk, a load generator in C that takes far less of the CPU the servers share."""
    command = ["wrk", "--latency", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percentiles = {int(p): _wrk_ms(v) / 1000 for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M)}
    total = int(re.search(r"(\d+) requests in", output).group(1))
    # wrk reports percentiles, not every latency: a stand-in list that gives back the two this script prints.
    return Result(name, total, int(errors.group(1)) if errors else 0, total / rate if rate else 0.0,
                  [percentiles[50]] * 51 + [percentiles[99]] * 49)


# -- queries per request, in process --------------------------------------------------------------------


@contextmanager
def counting_queries(engine):
    from sqlalchemy import event

    statements: list[str] = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def dashboard_queries(requests: int = 3) -> tuple[list[int], int | None, list[str]]:
    """SQL statements of each of ``requests`` dashboard requests by one signed-in client (the first also
    fills the per-process caches), the active members the page shows, and the last request's statements."""
    app = the_app()
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"in-process sign-in answered {response.status_code}")
    counts: list[int] = []
    statements: list[str] = []
    html = ""
    for _ in range(requests):
        with counting_queries(app.extensions["lscp.engine"]) as seen:
            response = client.get(f"/{TENANT}/")
        if response.status_code != 200:
            sys.exit(f"in-process dashboard answered {response.status_code}")
        html = response.get_data(as_text=True)
        counts.append(len(seen))
        statements = seen
    match = ACTIVE_MEMBERS.search(html)
    return counts, int(match.group(1)) if match else None, list(statements)


# -- main -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each server (default 2)")
    parser.add_argument("--rows", type=int, default=0,
                        help="extra members (and ten times as many audit events) before the HTTP runs")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds before each run")
    parser.add_argument("--many-members", type=int, default=2000, help="members added for the query count")
    parser.add_argument("--many-events", type=int, default=20000, help="audit events added for the query count")
    parser.add_argument("--reference", action="store_true",
                        help="also drive the sign-in page (no tenant, no dashboard queries) as a reference")
    parser.add_argument("--show-queries", action="store_true", help="print the dashboard's SQL statements")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk when installed (auto), or Python threads")
    args = parser.parse_args()

    # Ctrl-C (even when started with SIGINT ignored, as a background job) and SIGTERM end the script
    # through the finally below, which stops the servers.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="lscp-bench-"))
    env = environment(tmp)
    os.environ.update(env)
    for name in ("REDIS_URL", "SECRET_KEY", "FLASK_APP"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    servers: list[Server] = []
    stop = threading.Event()
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; folder {tmp}")
        print("setting up: db upgrade, tenants import, users create ...", flush=True)
        set_up_database(env)
        if args.rows:
            print(f"adding {args.rows} members and {10 * args.rows} audit events ...", flush=True)
            add_rows(args.rows, 10 * args.rows)

        worker_args = ["-w", str(args.workers)]  # gunicorn writes no access log by default
        platform = Server("platform", [*worker_args, "wsgi:app"], env, tmp / "platform.log")
        hello = Server("hello", [*worker_args, "--pythonpath", str(BENCH_DIR), "hello:app"], env,
                       tmp / "hello.log")
        for server in (platform, hello):
            servers.append(server)
            server.start()
        cookie = sign_in(platform.port)
        print(f"signed in as {EMAIL} through /login; gunicorn -w {args.workers}, {args.concurrency} client "
              f"threads, {args.seconds:g} s per run", flush=True)

        results = {}
        runs = [("hello", hello, "/", None), ("dashboard", platform, f"/{TENANT}/", cookie)]
        if args.reference:
            runs.append(("login", platform, "/login", None))
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
        print(f"load generator: {'wrk' if use_wrk else 'Python threads'}", flush=True)
        for key, server, path, cookie_ in runs:
            if args.warmup > 0:
                drive(key, server.port, path, cookie_, args.warmup, args.concurrency, stop)
            if use_wrk:
                results[key] = drive_wrk(key, server.port, path, cookie_, args.seconds, args.concurrency)
            else:
                results[key] = drive(key, server.port, path, cookie_, args.seconds, args.concurrency, stop)

        print()
        print(f"{'':24}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
        for label, key in (("hello-world  GET /", "hello"), (f"dashboard    GET /{TENANT}/", "dashboard"),
                           ("sign-in page GET /login", "login")):
            if key not in results:
                continue
            r = results[key]
            print(f"{label:24}{r.requests:>10}{r.errors:>8}{r.rate:>10.0f}"
                  f"{r.percentile(50) * 1000:>10.2f}{r.percentile(99) * 1000:>10.2f}")
        ratio = results["dashboard"].rate / results["hello"].rate if results["hello"].rate else float("nan")
        verdict = "meets" if ratio >= 1 / 3 else "misses"
        print(f"dashboard/hello-world rate: {ratio:.2f} ({verdict} the target of at least 0.33)")
        for server in servers:
            server.stop()

        print()
        counts, active, statements = dashboard_queries()
        print(f"SQL statements per dashboard request, in process ({active} active members shown): "
              f"{counts} (first request fills the per-process caches)")
        print(f"adding {args.many_members} members and {args.many_events} audit events ...", flush=True)
        add_rows(args.many_members, args.many_events)
        counts_after, active_after, statements_after = dashboard_queries()
        print(f"SQL statements per dashboard request, in process ({active_after} active members shown): "
              f"{counts_after}")
        steady = statistics.mode(counts[1:]) if len(counts) > 1 else counts[0]
        steady_after = statistics.mode(counts_after[1:]) if len(counts_after) > 1 else counts_after[0]
        print("query count " + ("is fixed" if steady == steady_after else "GREW")
              + f": {steady} before, {steady_after} after")
        if args.show_queries:
            print("\n".join(f"  {' '.join(s.split())[:160]}" for s in statements_after))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        stop.set()
        for server in servers:
            server.stop()
        if _app is not None:
            _app.extensions["lscp.engine"].dispose()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
