#!/usr/bin/env python3
"""`servir pull` and `--model hf:...` against the mock Hub (mock_hub.py) on
loopback: never the internet. A CTest test (hub_pull); exits 77 (skipped)
with the reason when the servir binary is missing. The cases that run a
model need ../shared/models (skipped one by one, with the path, when absent).

Cases: the exact huggingface_hub cache layout; a second pull transfers
nothing; blobs and snapshot entries another tool left are reused; a
connection cut mid-file resumes with a Range request; a corrupted blob is
refused, exit 3, nothing kept; a gated repository says HF_TOKEN (exit 4);
missing revision, repository and file (exit 5); an unreachable Hub (exit
6); unsafe file names in the listing never leave the snapshot; --include;
--sha256; `run` and `serve --model hf:...`, then offline from the cache.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SERVIR_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
SHARED_DIR = os.environ.get("SERVIR_SHARED_DIR", os.path.join(SOURCE_DIR, "..", "shared"))
BINARY = os.path.abspath(os.environ.get("SERVIR_BINARY", os.path.join(SOURCE_DIR, "build", "servir")))
STORIES_GGUF = os.path.join(SHARED_DIR, "models", "stories260K.gguf")
STORIES_HF = os.path.join(SHARED_DIR, "models", "tinystories-656k")
TOKEN = "hf_mock_token_1234"

failures = []
passed = 0
skipped = 0


def check(condition, what, detail=""):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(f"{what}: {detail}")
        print(f"FAIL: {what}: {detail}", flush=True)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def git_blob_id(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Mock:
    def __init__(self, repos, gated):
        args = [sys.executable, os.path.join(HERE, "mock_hub.py"), "--token", TOKEN]
        for repo_id, folder in repos.items():
            args += ["--repo", f"{repo_id}={folder}"]
        for repo_id in gated:
            args += ["--gated", repo_id]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"mock hub did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def post(self, path, obj=None):
        req = urllib.request.Request(self.url + path, data=json.dumps(obj or {}).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def log(self):
        return json.loads(urllib.request.urlopen(self.url + "/_mock/log", timeout=5).read())

    def reset(self):
        self.post("/_mock/reset")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)


def pull(env, *args):
    proc = subprocess.run([BINARY, "pull", "--plain", *args], env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout.strip(), proc.stderr


def downloads(log):
    """Body bytes of file transfers (not the listing API)."""
    return [e for e in log if e["method"] == "GET" and ("/resolve/" in e["path"] or e["path"].startswith("/_storage/"))]


def make_fixture(root):
    """A small repository: JSON files, an LFS safetensors file big enough to
    cut mid-way, a tokenizer.model, and files the default set leaves out."""
    repo = os.path.join(root, "tiny")
    os.makedirs(os.path.join(repo, "onnx"))
    with open(os.path.join(repo, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "hidden_size": 16}, f)
    with open(os.path.join(repo, "tokenizer.json"), "w") as f:
        json.dump({"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0}}}, f)
    with open(os.path.join(repo, "model.safetensors"), "wb") as f:
        f.write(os.urandom(3 << 20))
    with open(os.path.join(repo, "tokenizer.model"), "wb") as f:
        f.write(os.urandom(4096))
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# not pulled by default\n")
    with open(os.path.join(repo, "onnx", "model.json"), "w") as f:
        f.write("{}\n")
    return repo


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"SKIPPED: no servir binary at {BINARY}")
        return 77
    global skipped
    work = tempfile.mkdtemp(prefix="servir-pull-test-")
    repos = {"servir-test/tiny": make_fixture(work)}
    repos["servir-test/gated"] = repos["servir-test/tiny"]
    evil = os.path.join(work, "evil")
    os.makedirs(evil)
    with open(os.path.join(evil, "config.json"), "w") as f:
        f.write("{}")
    repos["servir-test/evil"] = evil
    have_models = os.path.exists(STORIES_GGUF) and os.path.isdir(STORIES_HF)
    if have_models:
        stories = os.path.join(work, "stories")
        shutil.copytree(STORIES_HF, stories)
        shutil.copy(STORIES_GGUF, stories)
        repos["servir-test/stories"] = stories
    mock = Mock(repos, gated=["servir-test/gated"])
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "HUGGING_FACE_HUB_TOKEN"}
    base_env["HF_ENDPOINT"] = mock.url

    def env_for(name, **extra):
        env = dict(base_env, HF_HOME=os.path.join(work, name), **extra)
        return env

    tiny = repos["servir-test/tiny"]
    try:
        # --- normal download, exact cache layout ------------------------
        env = env_for("home1")
        rc, out, err = pull(env, "hf:servir-test/tiny")
        check(rc == 0, "pull succeeds", err)
        repo_dir = os.path.join(work, "home1", "hub", "models--servir-test--tiny")
        with open(os.path.join(repo_dir, "refs", "main")) as f:
            commit = f.read()
        check(len(commit) == 40 and "\n" not in commit, "refs/main holds the bare commit", repr(commit))
        snapshot = os.path.join(repo_dir, "snapshots", commit)
        check(out == snapshot, "stdout is the snapshot folder", out)
        expected = {"config.json": git_blob_id(os.path.join(tiny, "config.json")),
                    "tokenizer.json": git_blob_id(os.path.join(tiny, "tokenizer.json")),
                    "model.safetensors": sha256(os.path.join(tiny, "model.safetensors")),
                    "tokenizer.model": sha256(os.path.join(tiny, "tokenizer.model"))}
        check(sorted(os.listdir(snapshot)) == sorted(expected), "default set: safetensors, json, tokenizer.model",
              str(os.listdir(snapshot)))
        for name, etag in expected.items():
            link = os.path.join(snapshot, name)
            check(os.path.islink(link) and os.readlink(link) == f"../../blobs/{etag}", f"{name} links ../../blobs/<etag>",
                  os.readlink(link) if os.path.islink(link) else "not a link")
            with open(link, "rb") as a, open(os.path.join(tiny, name), "rb") as b:
                check(a.read() == b.read(), f"{name} content")
        check(sorted(os.listdir(os.path.join(repo_dir, "blobs"))) == sorted(expected.values()),
              "blobs/ holds exactly the blobs, no .incomplete", str(os.listdir(os.path.join(repo_dir, "blobs"))))
        check(all(e["authorization"] is None for e in mock.log()), "no Authorization header without HF_TOKEN")

        # --- a second pull transfers nothing -------------------------------
        mock.reset()
        rc, out, err = pull(env, "hf:servir-test/tiny")
        check(rc == 0 and out == snapshot, "second pull succeeds", err)
        check(downloads(mock.log()) == [], "second pull downloads nothing", str(mock.log()))
        check("4 from the cache" in err, "second pull reports the cache", err)

        mock.reset()
        rc, out2, err = pull(dict(env, HF_HUB_OFFLINE="1"), "hf:servir-test/tiny")
        check(rc == 0 and out2 == snapshot and mock.log() == [], "HF_HUB_OFFLINE=1 pull answers from the cache",
              f"rc={rc} {err} {mock.log()}")
        rc, out2, err = pull(dict(env, HF_HUB_OFFLINE="1"), "hf:servir-test/tiny:absent.gguf")
        check(rc == 5 and "HF_HUB_OFFLINE" in err, "HF_HUB_OFFLINE=1 pull of what is not cached exits 5", f"rc={rc} {err}")

        # --- files another tool put in the cache are reused --------------------
        env2 = env_for("home2")
        other = os.path.join(work, "home2", "hub", "models--servir-test--tiny")
        os.makedirs(os.path.join(other, "blobs"))
        os.makedirs(os.path.join(other, "snapshots", commit))
        shutil.copy(os.path.join(tiny, "model.safetensors"), os.path.join(other, "blobs", expected["model.safetensors"]))
        shutil.copy(os.path.join(tiny, "config.json"), os.path.join(other, "blobs", expected["config.json"]))
        os.symlink(f"../../blobs/{expected['config.json']}", os.path.join(other, "snapshots", commit, "config.json"))
        mock.reset()
        rc, out, err = pull(env2, "hf:servir-test/tiny")
        got = [e["path"] for e in downloads(mock.log())]
        check(rc == 0, "pull over another tool's cache", err)
        check(not any("model.safetensors" in p or expected["model.safetensors"] in p or "config.json" in p for p in got),
              "another tool's blobs are not downloaded again", str(got))
        check(os.readlink(os.path.join(other, "snapshots", commit, "model.safetensors")) ==
              f"../../blobs/{expected['model.safetensors']}", "a present blob is linked into the snapshot")

        # --- resume after a cut ------------------------------------------
        env3 = env_for("home3")
        mock.reset()
        mock.post("/_mock/faults", {"cut": {"model.safetensors": 1 << 20}})
        rc, out, err = pull(env3, "hf:servir-test/tiny")
        check(rc == 6, "a cut transfer exits 6", f"rc={rc} {err}")
        check("resume" in err, "the cut says it will resume", err)
        partial = os.path.join(work, "home3", "hub", "models--servir-test--tiny", "blobs",
                               expected["model.safetensors"] + ".incomplete")
        check(os.path.exists(partial) and os.path.getsize(partial) == 1 << 20, "1 MiB kept in .incomplete",
              str(os.path.getsize(partial)) if os.path.exists(partial) else "absent")
        mock.reset()
        rc, out, err = pull(env3, "hf:servir-test/tiny")
        ranges = [e["range"] for e in mock.log() if e["path"].startswith("/_storage/") and e["range"]]
        check(rc == 0, "the next pull completes", err)
        check(ranges == [f"bytes={1 << 20}-"], "it asks for the rest with Range", str(ranges))
        sent = sum(e["bytes"] for e in mock.log() if e["path"].startswith("/_storage/" + expected["model.safetensors"]))
        check(sent == (3 << 20) - (1 << 20), "only the missing bytes are transferred", str(sent))
        check(sha256(os.path.join(out, "model.safetensors")) == expected["model.safetensors"] and not os.path.exists(partial),
              "the resumed file matches its sha256")

        # --- metadata from HEAD when the listing has none, still verified ------------
        env_head = env_for("home11")
        mock.reset()
        mock.post("/_mock/faults", {"bare_listing": True})
        rc, out, err = pull(env_head, "hf:servir-test/tiny")
        heads = [e["path"] for e in mock.log() if e["method"] == "HEAD"]
        check(rc == 0 and len(heads) == 4, "a bare listing falls back to HEAD per file", f"rc={rc} {err} {heads}")
        check(sorted(os.listdir(os.path.join(work, "home11", "hub", "models--servir-test--tiny", "blobs"))) ==
              sorted(expected.values()), "blob names from HEAD's ETag / X-Linked-Etag")
        mock.reset()
        env_head2 = env_for("home12")
        mock.post("/_mock/faults", {"bare_listing": True, "corrupt": ["model.safetensors"]})
        rc, out, err = pull(env_head2, "hf:servir-test/tiny")
        check(rc == 3 and "SHA-256 mismatch" in err, "X-Linked-Etag's SHA-256 is checked too", f"rc={rc} {err}")
        mock.reset()

        # --- corrupted blob -----------------------------------------------
        env4 = env_for("home4")
        mock.reset()
        mock.post("/_mock/faults", {"corrupt": ["model.safetensors"]})
        rc, out, err = pull(env4, "hf:servir-test/tiny")
        blobs4 = os.path.join(work, "home4", "hub", "models--servir-test--tiny", "blobs")
        check(rc == 3, "a corrupted blob exits 3", f"rc={rc} {err}")
        check("model.safetensors" in err and "SHA-256 mismatch" in err, "the message names the file and SHA-256", err)
        check(not any(n.startswith(expected["model.safetensors"]) for n in os.listdir(blobs4)),
              "neither the blob nor its .incomplete is kept", str(os.listdir(blobs4)))
        check(not os.path.lexists(os.path.join(blobs4, "..", "snapshots", commit, "model.safetensors")),
              "the snapshot does not link it")
        check(not os.path.exists(os.path.join(blobs4, "..", "refs", "main")), "refs/main is not written")
        mock.reset()

        # --- gated repository ------------------------------------------------
        rc, out, err = pull(env_for("home5"), "hf:servir-test/gated")
        check(rc == 4 and "HF_TOKEN" in err and "no token was sent" in err, "gated: 401 names HF_TOKEN", f"rc={rc} {err}")
        rc, out, err = pull(env_for("home5", HF_TOKEN="wrong"), "hf:servir-test/gated")
        check(rc == 4 and "a token was sent" in err, "gated: a refused token is said so", f"rc={rc} {err}")
        mock.reset()
        rc, out, err = pull(env_for("home5", HF_TOKEN=TOKEN), "hf:servir-test/gated")
        check(rc == 0, "gated: the right token pulls", err)
        hub_calls = [e for e in mock.log() if not e["path"].startswith("/_storage/")]
        check(hub_calls and all(e["authorization"] == f"Bearer {TOKEN}" for e in hub_calls),
              "the token goes to the Hub as Bearer", str(hub_calls))

        # --- not found ---------------------------------------------------------
        rc, out, err = pull(env_for("home6"), "hf:servir-test/tiny@no-such-branch")
        check(rc == 5 and "revision 'no-such-branch' not found" in err, "missing revision named", f"rc={rc} {err}")
        rc, out, err = pull(env_for("home6"), "hf:servir-test/absent")
        check(rc == 5 and "servir-test/absent" in err and "not found" in err, "missing repository", f"rc={rc} {err}")
        rc, out, err = pull(env_for("home6"), "hf:servir-test/tiny:nothere.gguf")
        check(rc == 5 and "nothere.gguf" in err, "missing file", f"rc={rc} {err}")

        # --- unreachable Hub -----------------------------------------------------
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead_port = s.getsockname()[1]
        rc, out, err = pull(env_for("home6", HF_ENDPOINT=f"http://127.0.0.1:{dead_port}"), "hf:servir-test/tiny")
        check(rc == 6 and "cannot reach" in err, "unreachable Hub exits 6", f"rc={rc} {err}")

        # --- hostile listing -----------------------------------------------------
        mock.post("/_mock/faults", {"unsafe_names": True})
        env7 = env_for("home7")
        rc, out, err = pull(env7, "hf:servir-test/evil", "--include", "*")
        check(rc != 0 and "refusing the file name" in err, "unsafe names refused", f"rc={rc} {err}")
        escaped = [p for p in ("escaped.json", os.path.join("home7", "escaped.json"), os.path.join("home7", "hub", "escaped.json"))
                   if os.path.exists(os.path.join(work, p))]
        check(not escaped and not os.path.exists("/tmp/absolute.json.servir-test"), "nothing written outside", str(escaped))
        mock.reset()

        # --- --include and a single file with --sha256 ------------------------------
        env8 = env_for("home8")
        rc, out, err = pull(env8, "hf:servir-test/tiny", "--include", "*.md", "--include", "onnx/*")
        check(rc == 0 and sorted(os.listdir(out)) == ["README.md", "onnx"], "--include picks by glob",
              f"rc={rc} {err} {os.listdir(out) if rc == 0 else ''}")
        rc, out, err = pull(env8, "hf:servir-test/tiny:model.safetensors", "--sha256", "0" * 64)
        check(rc == 3 and "pinned" in err, "--sha256 that differs from the Hub's exits 3", f"rc={rc} {err}")
        rc, out, err = pull(env8, "hf:servir-test/tiny:model.safetensors", "--sha256", expected["model.safetensors"])
        check(rc == 0 and out.endswith("/model.safetensors"), "--sha256 pin that matches", f"rc={rc} {err}")

        # --- run and serve from the Hub, then offline --------------------------------
        if not have_models:
            print(f"SKIPPED (run/serve cases): {STORIES_GGUF} or {STORIES_HF} absent", flush=True)
            skipped += 1
        else:
            env9 = env_for("home9")
            proc = subprocess.run([BINARY, "run", "--model", "hf:servir-test/stories:stories260K.gguf", "-p", "Once upon",
                                   "-n", "8", "--temp", "0"], env=env9, capture_output=True, text=True, timeout=60)
            check(proc.returncode == 0 and proc.stdout.strip() != "", "run --model hf:...:FILE generates", proc.stderr)
            mock.reset()
            proc2 = subprocess.run([BINARY, "run", "--model", "hf:servir-test/stories:stories260K.gguf", "-p", "Once upon",
                                    "-n", "8", "--temp", "0"], env=env9, capture_output=True, text=True, timeout=60)
            check(proc2.returncode == 0 and proc2.stdout == proc.stdout and mock.log() == [],
                  "a cached model runs with no network call", f"{proc2.stderr} {mock.log()}")
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server = subprocess.Popen([BINARY, "serve", "--model", "hf:servir-test/stories", "--port", str(port)],
                                      env=env9, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            healthy = False
            models = None
            deadline = time.time() + 30
            while time.time() < deadline and server.poll() is None:
                try:
                    if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                        healthy = True
                        models = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read())
                        break
                except OSError:
                    time.sleep(0.2)
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            check(healthy, "serve --model hf:ORG/REPO answers /health", server.stderr.read() if not healthy else "")
            names = [m["id"] for m in (models or {}).get("data", [])]
            check("hf:servir-test/stories" in names, "the server answers to the reference", str(names))
            mock.stop()
            proc3 = subprocess.run([BINARY, "run", "--model", "hf:servir-test/stories", "-p", "Once", "-n", "4"],
                                   env=dict(env9, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=60)
            check(proc3.returncode == 0, "HF_HUB_OFFLINE=1 runs a cached folder with the Hub gone", proc3.stderr)
            proc4 = subprocess.run([BINARY, "run", "--model", "hf:servir-test/tiny", "-p", "Once", "-n", "4"],
                                   env=dict(env9, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=60)
            check(proc4.returncode == 5 and "HF_HUB_OFFLINE" in proc4.stderr, "HF_HUB_OFFLINE=1 without the model says so",
                  f"rc={proc4.returncode} {proc4.stderr}")
            # A cached blob altered after it was verified: loading re-hashes
            # the weight files against their blob names and refuses (exit 3).
            snap = subprocess.run([BINARY, "pull", "--plain", "hf:servir-test/stories"],
                                  env=dict(env9, HF_HUB_OFFLINE="1"), capture_output=True, text=True,
                                  timeout=60).stdout.strip()
            weights = [os.path.join(snap, f) for f in os.listdir(snap) if f.endswith(".safetensors")] if snap else []
            check(len(weights) == 1 and os.path.islink(weights[0]), "the cached weights are a link to their blob",
                  str(weights))
            if weights:
                blob = os.path.realpath(weights[0])
                original = open(blob, "rb").read()
                with open(blob, "r+b") as f:
                    f.seek(len(original) - 1)
                    f.write(bytes([original[-1] ^ 0xFF]))
                proc5 = subprocess.run([BINARY, "run", "--model", "hf:servir-test/stories", "-p", "Once", "-n", "4"],
                                       env=dict(env9, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=60)
                check(proc5.returncode == 3 and "refusing to load" in proc5.stderr,
                      "a cached blob altered after the pull refuses to load (exit 3)",
                      f"rc={proc5.returncode} {proc5.stderr}")
                with open(blob, "wb") as f:
                    f.write(original)
        # --- `make serve` without MODEL and without a reachable Hub --------------
        serve_sh = os.path.join(SOURCE_DIR, "scripts", "serve.sh")
        offline_env = env_for("home10", HF_ENDPOINT=f"http://127.0.0.1:{dead_port}")
        proc = subprocess.run([serve_sh, BINARY, ""], env=offline_env, cwd=work, capture_output=True, text=True,
                              timeout=60)
        check(proc.returncode == 6 and "make serve MODEL=path/to/model.gguf" in proc.stderr,
              "make serve offline without the test model says what to pass", f"rc={proc.returncode} {proc.stderr}")
        if os.path.exists(os.path.join(SOURCE_DIR, "..", "shared", "models", "stories260K.gguf")):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server = subprocess.Popen([serve_sh, BINARY, "", "--", "--port", str(port)], env=offline_env, cwd=SOURCE_DIR,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            healthy = False
            deadline = time.time() + 30
            while time.time() < deadline and server.poll() is None and not healthy:
                try:
                    healthy = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200
                except OSError:
                    time.sleep(0.2)
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            err = server.stderr.read()
            check(healthy and "serving the test model ../shared/models/stories260K.gguf instead" in err,
                  "make serve offline falls back to ../shared's stories260K.gguf and says so", err)
        else:
            print("SKIPPED (make serve fallback): ../shared/models/stories260K.gguf absent beside the source", flush=True)
            skipped += 1
    finally:
        if mock.proc.poll() is None:
            mock.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {len(failures)} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
