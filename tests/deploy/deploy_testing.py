"""Helpers of the deployment-kit tests (tests/deploy): where things are,
skipping with exit 77 (CTest's SKIP_RETURN_CODE), free loopback ports,
starting `servir serve` and small HTTP calls. Standard library only.

Every server these tests start listens on 127.0.0.1 and is stopped by the
test (an atexit hook kills whatever is left), so a failing test leaves no
process behind.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SERVIR_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
SHARED_DIR = os.environ.get("SERVIR_SHARED_DIR", os.path.join(SOURCE_DIR, "..", "shared"))
BINARY = os.environ.get("SERVIR_BINARY", os.path.join(SOURCE_DIR, "build", "servir"))
DEPLOY = os.path.join(SOURCE_DIR, "deploy")
STORIES = os.path.join(SHARED_DIR, "models", "stories260K.gguf")
LOOPBACK = "127.0.0.1"

_children = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def skip(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP)


def require_tools(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            skip(f"{tool} not found (scripts/install-deps.sh installs it)")


def require_servir(model=True):
    if not os.access(BINARY, os.X_OK):
        skip(f"no servir binary at {BINARY}")
    if model and not os.path.exists(STORIES):
        skip(f"reference model absent: {STORIES}")


def sanitized():
    return os.environ.get("SERVIR_SANITIZED", "0") in ("1", "ON", "TRUE", "true")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d


def spawn(argv, **kwargs):
    """Starts a child that the atexit hook kills if the test forgets it."""
    proc = subprocess.Popen(argv, **kwargs)
    _children.append(proc)
    return proc


@atexit.register
def _kill_children():
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def http_get(url, timeout=5):
    """(status, body) of GET url; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def http_post_json(url, body, headers=None, timeout=60):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read().decode())


def wait_until(predicate, timeout_s, what, interval_s=0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class Servir:
    """One `servir serve` of the reference model on 127.0.0.1:port."""

    def __init__(self, port, args=(), log_path=None, model=STORIES):
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"
        self.args = list(args)
        self.model = model
        self.log_path = log_path
        self.proc = None

    def start(self):
        argv = [BINARY, "serve", "--model", self.model, "--host", LOOPBACK, "--port", str(self.port),
                "--threads", "1", *self.args]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = spawn(argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        return self

    def wait_ready(self, timeout_s=60):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"servir on port {self.port} exited with {self.proc.returncode}"
                                     f" (log: {self.log_path})")
            return http_get(self.url + "/ready", timeout=1)[0] == 200
        wait_until(ready, timeout_s, f"{self.url}/ready")
        return self

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout_s):
        return self.proc.wait(timeout=timeout_s)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
