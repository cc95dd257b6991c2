#!/usr/bin/env python3
"""deploy_loadbalancer: three `servir serve` replicas of the reference model
behind a real HAProxy (deploy/haproxy/haproxy.cfg, its addresses filled in),
all on 127.0.0.1, under a steady streaming load of completions:

  (a) SIGTERM one replica: zero failed requests (it drains; HAProxy's
      /ready check takes it out; requests it refuses are retried elsewhere);
      it exits 0.
  (b) SIGKILL one: only requests in flight on it fail (every failure began
      before the kill, at most the load's concurrency), new ones go to the
      others; restarted on the same port it rejoins and serves again with
      no failures.
  (c) session affinity: multi-turn conversations sent with an
      X-Session-Id header stay on one replica, measured as the prefix-cache
      hit rate of their follow-up turns (cached prompt tokens / prompt
      tokens), against the same conversations without the header.

Needs haproxy, the servir binary and the reference model; SKIPPED
otherwise. About 40 s.
"""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from deploy_testing import (DEPLOY, LOOPBACK, Servir, free_port, http_get, log, require_servir, require_tools,
                            spawn, tmpdir, wait_until)

CONCURRENCY = 6
# Streams long enough (~0.5 s on the reference model) that every fault
# lands on requests in flight.
MAX_TOKENS = 400
WORDS = ("once upon a time there was a little girl named lily she loved to play in the park with her dog "
         "one day she saw a big red ball under a tree and she ran to get it the sun was warm and the sky "
         "was blue her mom smiled and they went home to eat cake together").split()

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


class Load:
    """CONCURRENCY threads streaming completions through the balancer
    back to back; every request's start, end and outcome is recorded."""

    def __init__(self, port):
        self.port = port
        self.records = []  # (start, end, error or None)
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(CONCURRENCY)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=60)

    def one(self, rng):
        body = json.dumps({"model": "stories260K", "prompt": text(rng, 24), "max_tokens": MAX_TOKENS,
                           "stream": True, "ignore_eos": True, "temperature": 0})
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
        try:
            conn.request("POST", "/v1/completions", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            if resp.status != 200:
                return f"HTTP {resp.status}: {resp.read()[:200]!r}"
            done = False
            while True:
                line = resp.readline()
                if not line:
                    break
                if line.startswith(b"data: [DONE]"):
                    done = True
                elif line.startswith(b"data: ") and b'"error"' in line:
                    return f"error event: {line[:200]!r}"
            return None if done else "stream ended without [DONE]"
        except (OSError, http.client.HTTPException) as e:
            return f"{type(e).__name__}: {e}"
        finally:
            conn.close()

    def run(self, i):
        rng = random.Random(i)
        while not self.stop_flag.is_set():
            start = time.monotonic()
            err = self.one(rng)
            with self.lock:
                self.records.append((start, time.monotonic(), err))

    def between(self, t0, t1):
        with self.lock:
            return [r for r in self.records if t0 <= r[0] < t1]


class HAProxy:
    def __init__(self, work, replicas):
        self.work = work
        self.port = free_port()
        self.sock = os.path.join(work, "haproxy.sock")
        with open(os.path.join(DEPLOY, "haproxy", "haproxy.cfg")) as f:
            cfg = f.read()
        # The example's addresses become this test's loopback ports.
        cfg = cfg.replace("bind :8000", f"bind {LOOPBACK}:{self.port}")
        cfg = cfg.replace("/run/haproxy/admin.sock", self.sock)
        servers = "".join(f"    server r{i + 1} {LOOPBACK}:{r.port} check\n" for i, r in enumerate(replicas))
        cfg = re.sub(r"(?m)^    server .*\n(?:    server .*\n)*", servers, cfg)
        self.cfg = os.path.join(work, "haproxy.cfg")
        with open(self.cfg, "w") as f:
            f.write(cfg)

    def start(self):
        r = subprocess.run(["haproxy", "-c", "-f", self.cfg], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"haproxy -c: {r.stdout}{r.stderr}")
        out = open(os.path.join(self.work, "haproxy.log"), "wb")
        self.proc = spawn(["haproxy", "-db", "-f", self.cfg], stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        return self

    def command(self, cmd):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(self.sock)
            s.sendall(cmd.encode() + b"\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.decode()

    def servers(self):
        """{server name: (status, total sessions)} from `show stat`."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "servir" and row.get("svname", "").startswith("r"):
                out[row["svname"]] = (row["status"], int(row["stot"] or 0))
        return out

    def in_flight(self, server):
        """Requests HAProxy has open to `server` now (scur)."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "servir" and row.get("svname") == server:
                return int(row["scur"] or 0)
        return 0

    def wait_busy(self, server, timeout_s=10):
        """Waits until `server` has a request in flight; returns how many."""
        wait_until(lambda: self.in_flight(server) > 0, timeout_s, f"a request in flight on {server}")
        return self.in_flight(server)

    def wait_status(self, server, status, timeout_s=30):
        def ok():
            try:
                return self.servers().get(server, ("?", 0))[0].startswith(status)
            except OSError:
                return False
        wait_until(ok, timeout_s, f"HAProxy to see {server} {status}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def successes(replica):
    status, text_ = http_get(replica.url + "/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text_.splitlines()
               if line.startswith("vllm:request_success_total{"))


def conversations(port, with_session, seed, n_conv=12, turns=4):
    """Cached / prompt tokens over the follow-up turns of n_conv conversations."""
    totals = {"prompt": 0, "cached": 0}
    lock = threading.Lock()

    def converse(c):
        rng = random.Random(seed * 1000 + c)
        prompt = text(rng, 60)
        headers = {"Content-Type": "application/json"}
        if with_session:
            headers["X-Session-Id"] = f"conv-{seed}-{c}"
        for turn in range(turns):
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
            conn.request("POST", "/v1/completions", headers=headers,
                         body=json.dumps({"model": "stories260K", "prompt": prompt, "max_tokens": 8,
                                          "temperature": 0}))
            resp = conn.getresponse()
            body = json.loads(resp.read())
            conn.close()
            check(resp.status == 200, f"conversation turn answered 200 (got {resp.status})")
            if resp.status != 200:
                return
            if turn > 0:
                usage = body["usage"]
                with lock:
                    totals["prompt"] += usage["prompt_tokens"]
                    totals["cached"] += usage.get("prompt_tokens_details", {}).get("cached_tokens", 0)
            prompt = prompt + body["choices"][0]["text"] + " " + text(rng, 16)

    threads = [threading.Thread(target=converse, args=(c,)) for c in range(n_conv)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return totals["cached"] / max(1, totals["prompt"])


def main():
    require_tools("haproxy")
    require_servir()
    work = tmpdir("servir-lb-")
    shutdown_s = 20
    replicas = [Servir(free_port(), args=["--shutdown-timeout", str(shutdown_s), "--max-num-seqs", "16"],
                       log_path=os.path.join(work, f"r{i + 1}.log")) for i in range(3)]
    for r in replicas:
        r.start()
    for r in replicas:
        r.wait_ready()
    lb = HAProxy(work, replicas).start()
    for i in range(3):
        lb.wait_status(f"r{i + 1}", "UP")
    log(f"HAProxy on {LOOPBACK}:{lb.port} in front of {[r.port for r in replicas]}")
    load = Load(lb.port).start()
    time.sleep(2)

    # (a) SIGTERM r1 under load, with requests in flight on it.
    term_in_flight = lb.wait_busy("r1")
    t_term = time.monotonic()
    replicas[0].signal(signal.SIGTERM)
    rc = replicas[0].wait_exit(shutdown_s + 15)
    time.sleep(1.5)
    t_after_term = time.monotonic()
    term_failed = [r for r in load.between(0, t_after_term) if r[2]]
    term_total = len(load.between(t_term, t_after_term))
    check(rc == 0, f"(a) the SIGTERM'd replica exits 0 (got {rc})")
    check(not term_failed, f"(a) SIGTERM: zero failed requests, got {len(term_failed)}: {term_failed[:3]}")
    log(f"(a) SIGTERM with {term_in_flight} request(s) in flight on it: drained and exited {rc} in "
        f"{t_after_term - t_term - 1.5:.1f} s; {term_total} requests began meanwhile; {len(term_failed)} failed")
    replicas[0].start().wait_ready()
    lb.wait_status("r1", "UP")

    # (b) SIGKILL r2 under load, then restart it.
    time.sleep(1)
    kill_in_flight = lb.wait_busy("r2")
    t_kill = time.monotonic()
    replicas[1].signal(signal.SIGKILL)
    replicas[1].wait_exit(10)
    # A request sent in the moment between kill() and the process being
    # gone can still reach it (it was in flight when it died); from the
    # moment it is reaped, every new request must go elsewhere.
    t_dead = time.monotonic()
    time.sleep(3)
    t_after_kill = time.monotonic()
    kill_failed = [r for r in load.between(t_after_term, t_after_kill) if r[2]]
    after_kill_failed = [r for r in kill_failed if r[0] >= t_dead]
    check(not after_kill_failed, f"(b) SIGKILL: no request begun after the kill fails: {after_kill_failed[:3]}")
    check(len(kill_failed) <= CONCURRENCY, f"(b) SIGKILL: at most the in-flight requests fail ({len(kill_failed)})")
    log(f"(b) SIGKILL with {kill_in_flight} request(s) in flight on it: {len(kill_failed)} failed, all begun "
        f"before the kill; {len(load.between(t_kill, t_after_kill))} begun after it, all succeeded")
    replicas[1].start().wait_ready()
    lb.wait_status("r2", "UP")
    t_rejoin = time.monotonic()
    time.sleep(3)
    load.stop()
    rejoin_failed = [r for r in load.between(t_rejoin, time.monotonic()) if r[2]]
    served = successes(replicas[1])
    check(served > 0, "(b) the restarted replica serves requests again")
    check(not rejoin_failed, f"(b) no failures after the rejoin: {rejoin_failed[:3]}")
    log(f"(b) restart: r2 back UP and served {served:.0f} requests in 3 s; {len(load.records)} requests in all")

    # (c) Affinity: the same kind of conversations with and without a session key.
    sticky = conversations(lb.port, True, seed=1)
    spread = conversations(lb.port, False, seed=2)
    log(f"(c) prefix-cache hit rate of follow-up turns: {sticky:.1%} with X-Session-Id, "
        f"{spread:.1%} without (round robin over 3 replicas)")
    check(sticky > 0.5, f"(c) session affinity keeps the prefix cache hot (hit rate {sticky:.1%})")
    check(sticky > spread + 0.2, f"(c) affinity beats round robin ({sticky:.1%} vs {spread:.1%})")

    lb.stop()
    for r in replicas:
        r.stop()
    if failures:
        for name in ("haproxy.log", "r1.log", "r2.log", "r3.log"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print(f"--- {name} (tail)\n" + "".join(f.readlines()[-20:]))
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print(f"OK: SIGTERM ({term_in_flight} in flight): 0 failed; SIGKILL ({kill_in_flight} in flight): "
          f"{len(kill_failed)} failed; affinity hit rate {sticky:.1%} vs {spread:.1%} without", flush=True)


if __name__ == "__main__":
    main()
