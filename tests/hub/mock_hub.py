#!/usr/bin/env python3
"""A mock Hugging Face Hub on loopback, for the `servir pull` tests.

Serves fixture repositories (folders on disk) through the endpoints and
headers of the real Hub that huggingface_hub and servir use:

  GET  /api/models/ORG/REPO/revision/REV[?blobs=true]   {"sha", "siblings": [...]}
  HEAD /ORG/REPO/resolve/REV/PATH    X-Repo-Commit, ETag; LFS files answer 302
                                     to the storage URL with X-Linked-Etag and
                                     X-Linked-Size, as the Hub does
  GET  /ORG/REPO/resolve/REV/PATH    the same, redirects to /_storage/SHA256
  GET  /_storage/SHA256              the LFS bytes, with Range support

Errors carry X-Error-Code / X-Error-Message like the Hub's: RepoNotFound
(401 without a token), RevisionNotFound and EntryNotFound (404), GatedRepo
(401 without a token, 403 with a wrong one).

Fault modes, set at run time with POST /_mock/faults (JSON):
  {"cut": {"PATH": N}}       close the connection after N body bytes (once)
  {"corrupt": ["PATH"]}      serve PATH with one byte flipped (sha256 mismatch)
  {"unsafe_names": true}     the "servir-test/evil" listing names ../ and / paths
  {"bare_listing": true}     listings without sizes or digests (HEAD supplies them)
GET /_mock/log returns every request seen (method, path, Range header,
body bytes sent); POST /_mock/reset clears the log and the faults.

Usage: mock_hub.py --repo ORG/REPO=DIR [--gated ORG/REPO] [--token T]
Prints "PORT <n>" on stdout once listening on 127.0.0.1 (port 0: any free).
Standard library only.
"""

import argparse
import hashlib
import json
import os
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".gguf", ".bin", ".model")


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, repo_id, folder):
        self.repo_id = repo_id
        self.folder = folder
        self.files = {}  # path -> dict(size, blob_id, sha256 or None, disk)
        for root, _, names in os.walk(folder):
            for name in sorted(names):
                disk = os.path.join(root, name)
                path = os.path.relpath(disk, folder).replace(os.sep, "/")
                with open(disk, "rb") as f:
                    data = f.read()
                lfs = path.endswith(LFS_SUFFIXES)
                self.files[path] = {
                    "size": len(data),
                    "blob_id": git_blob_id(data) if not lfs else hashlib.sha1(path.encode()).hexdigest(),
                    "sha256": hashlib.sha256(data).hexdigest() if lfs else None,
                    "disk": disk,
                }
        digest = hashlib.sha1(repo_id.encode())
        for path in sorted(self.files):
            digest.update(path.encode() + (self.files[path]["sha256"] or self.files[path]["blob_id"]).encode())
        self.commit = digest.hexdigest()

    def resolve(self, revision):
        return self.commit if revision in ("main", self.commit) else None


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.log = []
        self.faults = {}
        self.repos = {}
        self.gated = set()
        self.token = ""


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, sent):
        with STATE.lock:
            STATE.log.append({"method": self.command, "path": self.path, "range": self.headers.get("Range"),
                              "authorization": self.headers.get("Authorization"), "bytes": sent})

    def send_json(self, status, obj, extra=None, record=True):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if record:
            self.record(len(body))

    def hub_error(self, status, code, message):
        self.send_json(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def repo_or_error(self, repo_id):
        repo = STATE.repos.get(repo_id)
        if repo is None:
            self.hub_error(401, "RepoNotFound", "Repository Not Found for url")
            return None
        if repo_id in STATE.gated:
            auth = self.headers.get("Authorization", "")
            if not auth:
                self.hub_error(401, "GatedRepo", "Access to this model is restricted. You must be authenticated.")
                return None
            if auth != "Bearer " + STATE.token:
                self.hub_error(403, "GatedRepo", "Access to this model is restricted: your token has no access.")
                return None
        return repo

    # -- control -----------------------------------------------------------
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        if self.path == "/_mock/faults":
            with STATE.lock:
                STATE.faults.update(json.loads(body or b"{}"))
            return self.send_json(200, {"ok": True}, record=False)
        if self.path == "/_mock/reset":
            with STATE.lock:
                STATE.log.clear()
                STATE.faults.clear()
            return self.send_json(200, {"ok": True}, record=False)
        self.send_json(404, {"error": "no such control"}, record=False)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if path == "/_mock/log":
            with STATE.lock:
                log = list(STATE.log)
            body = json.dumps(log).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.startswith("/api/models/"):
            return self.revision_info(url)
        if path.startswith("/_storage/"):
            return self.storage(path[len("/_storage/"):], urllib.parse.parse_qs(url.query).get("file", [""])[0])
        parts = url.path.split("/")
        # /ORG/REPO/resolve/REV/PATH...
        if len(parts) >= 6 and parts[3] == "resolve":
            repo_id = parts[1] + "/" + parts[2]
            revision = urllib.parse.unquote(parts[4])
            file = urllib.parse.unquote("/".join(parts[5:]))
            return self.resolve(repo_id, revision, file)
        self.send_json(404, {"error": "not found"})

    def revision_info(self, url):
        rest = urllib.parse.unquote(url.path)[len("/api/models/"):]
        if "/revision/" not in rest:
            return self.send_json(404, {"error": "not found"})
        repo_id, revision = rest.split("/revision/", 1)
        repo = self.repo_or_error(repo_id)
        if repo is None:
            return
        commit = repo.resolve(revision)
        if commit is None:
            return self.hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        # "bare_listing": answer as without ?blobs=True, so the client must
        # read sizes and digests from HEAD /resolve/ instead.
        blobs = "blobs=true" in (url.query or "").lower() and not STATE.faults.get("bare_listing")
        siblings = []
        for path, f in sorted(repo.files.items()):
            entry = {"rfilename": path}
            if blobs:
                entry["size"] = f["size"]
                entry["blobId"] = f["blob_id"]
                if f["sha256"]:
                    entry["lfs"] = {"sha256": f["sha256"], "size": f["size"], "pointerSize": 134}
            siblings.append(entry)
        if repo_id == "servir-test/evil" and STATE.faults.get("unsafe_names"):
            siblings.append({"rfilename": "../../../escaped.json", "size": 2, "blobId": "0" * 40})
            siblings.append({"rfilename": "/tmp/absolute.json", "size": 2, "blobId": "1" * 40})
        self.send_json(200, {"id": repo_id, "modelId": repo_id, "sha": commit, "siblings": siblings})

    def resolve(self, repo_id, revision, file):
        repo = self.repo_or_error(repo_id)
        if repo is None:
            return
        commit = repo.resolve(revision)
        if commit is None:
            return self.hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        f = repo.files.get(file)
        if f is None:
            return self.hub_error(404, "EntryNotFound", f"{file} does not exist on {revision}")
        if f["sha256"]:
            # LFS: the Hub answers with a redirect to its storage host and
            # puts the LFS digest and size in X-Linked-*.
            self.send_response(302)
            self.send_header("Location", f"/_storage/{f['sha256']}?file={urllib.parse.quote(file)}")
            self.send_header("X-Repo-Commit", commit)
            self.send_header("ETag", f'"{f["blob_id"]}"')
            self.send_header("X-Linked-Etag", f'"{f["sha256"]}"')
            self.send_header("X-Linked-Size", str(f["size"]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record(0)
            return
        with open(f["disk"], "rb") as fh:
            data = fh.read()
        self.send_response(200)
        self.send_header("X-Repo-Commit", commit)
        self.send_header("ETag", f'"{f["blob_id"]}"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.record(0 if self.command == "HEAD" else len(data))

    def storage(self, sha256, file):
        entry = None
        for repo in STATE.repos.values():
            for path, f in repo.files.items():
                if f["sha256"] == sha256:
                    entry, file = f, path
        if entry is None:
            return self.send_json(404, {"error": "no such object"})
        size = entry["size"]
        start = 0
        rng = self.headers.get("Range")
        if rng:
            if not rng.startswith("bytes=") or not rng[6:].endswith("-"):
                return self.send_json(400, {"error": "only bytes=N- ranges"})
            start = int(rng[6:-1])
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(0)
                return
        with STATE.lock:
            cut = STATE.faults.get("cut", {}).pop(file, None)
            corrupt = file in STATE.faults.get("corrupt", [])
        count = size - start
        self.send_response(206 if rng else 200)
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(count))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{sha256}"')
        self.end_headers()
        if self.command == "HEAD":
            self.record(0)
            return
        sent = 0
        with open(entry["disk"], "rb") as fh:
            if corrupt:
                fh.seek(start)
                data = bytearray(fh.read())
                if data:
                    data[len(data) // 2] ^= 0xFF
                self.wfile.write(data)
                sent = len(data)
            elif cut is not None:
                fh.seek(start)
                data = fh.read(max(0, cut - start))
                self.wfile.write(data)
                sent = len(data)
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            else:
                sent = self.connection.sendfile(fh, start, count)
        self.record(sent)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", default=[], help="ORG/REPO=DIR")
    parser.add_argument("--gated", action="append", default=[], help="ORG/REPO that needs --token")
    parser.add_argument("--token", default="")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    for spec in args.repo:
        repo_id, folder = spec.split("=", 1)
        STATE.repos[repo_id] = Repo(repo_id, folder)
    STATE.gated = set(args.gated)
    STATE.token = args.token
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
