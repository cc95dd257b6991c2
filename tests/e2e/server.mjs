// Helpers for the end-to-end suite: start the real `servir serve` binary on
// a free loopback port, make random-weight test models, read /metrics.
//
// SERVIR_BINARY (set by CTest) names the binary, SERVIR_SHARED_DIR the
// reference data (../shared beside the repository by default). Nothing
// here is mocked: every test talks HTTP to a real server process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

export const SERVIR_BINARY = process.env.SERVIR_BINARY || path.join(repo, 'build', 'servir');
export const SHARED_DIR = process.env.SERVIR_SHARED_DIR || path.resolve(repo, '..', 'shared');
export const sharedPath = (relative) => path.join(SHARED_DIR, relative);
export const STORIES = sharedPath('models/stories260K.gguf');
export const QWEN3_TOKENIZER = sharedPath('testdata/tokenizers/qwen3/tokenizer.json');

// Why the suite cannot run here, or null. Each test file passes this to
// describe(..., { skip }) so a missing prerequisite reads as SKIPPED with
// the reason, never as a pass.
export function skipReason(requiredPaths = []) {
  if (!fs.existsSync(SERVIR_BINARY)) return `servir binary absent: ${SERVIR_BINARY}`;
  for (const p of requiredPaths) {
    if (!fs.existsSync(p)) return `reference data absent: ${p}`;
  }
  const help = spawnSync(SERVIR_BINARY, ['serve', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !help.stdout.includes('--port')) {
    return 'this build of `servir serve` has no HTTP server (no --port flag)';
  }
  return null;
}

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const scratch = [];
process.on('exit', () => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

// A fresh temporary folder, removed when the test process exits.
export function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'servir-e2e-'));
  scratch.push(dir);
  return dir;
}

// `servir testmodel ARGS --out OUT`; returns OUT.
export function testModel(args, out) {
  const r = spawnSync(SERVIR_BINARY, ['testmodel', ...args, '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`servir testmodel failed (${r.status}): ${r.stderr}`);
  return out;
}

// A tiny random-weight Qwen3 HF folder with Qwen3's real tokenizer and chat
// template (stories260K has no chat template): the chat-endpoint model.
export function makeChatModel() {
  return testModel(
    ['--arch', 'qwen3', '--hidden', '64', '--layers', '2', '--heads', '4', '--kv-heads', '2', '--ffn', '128',
      '--context', '2048', '--tie-embeddings', '--type', 'f16', '--seed', '7', '--vocab-from', QWEN3_TOKENIZER],
    path.join(tempDir(), 'qwen3-tiny'));
}

// A random-weight model with stories260K's 512-token vocabulary, large
// enough per token (hidden 512, 8 layers) that a long stream lasts seconds:
// the model for disconnect, drain and overload tests.
export function makeSlowModel() {
  return testModel(
    ['--hidden', '512', '--layers', '8', '--heads', '8', '--kv-heads', '8', '--ffn', '1536', '--context', '4096',
      '--type', 'f16', '--seed', '3', '--vocab-from', STORIES],
    path.join(tempDir(), 'slow.gguf'));
}

export class Server {
  constructor(child, url) {
    this.child = child;
    this.url = url;                 // http://127.0.0.1:PORT
    this.baseURL = `${url}/v1`;     // what the OpenAI SDK takes
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.stderrText = '';
  }

  // SIGTERM (or `signal`), then SIGKILL after timeoutMs; resolves to the
  // exit {code, signal}.
  async stop({ signal = 'SIGTERM', timeoutMs = 20_000 } = {}) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const status = await this.exited;
    clearTimeout(timer);
    children.delete(this.child);
    return status;
  }

  stderr() {
    return this.stderrText;
  }
}

// Starts `servir serve --model MODEL --host 127.0.0.1 --port 0 ARGS` and
// resolves once it prints "servir: listening on http://...".
export function startServer({ model, args = [], env = {}, timeoutMs = 120_000 }) {
  const argv = ['serve', '--model', model, '--host', '127.0.0.1', '--port', '0', ...args];
  const child = spawn(SERVIR_BINARY, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let server = null;
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`servir ${argv.join(' ')}: ${why}\n--- stderr ---\n${stderr.slice(-4000)}`));
    };
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-256 * 1024);
      if (server) server.stderrText = stderr;
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /servir: listening on (http:\/\/\S+)/.exec(stdout);
      if (m && !server) {
        clearTimeout(timer);
        server = new Server(child, m[1].replace(/\/$/, ''));
        server.stderrText = stderr;
        resolve(server);
      }
    });
    child.once('exit', (code, signal) => {
      if (!server) fail(`exited (code ${code}, signal ${signal}) before listening`);
    });
  });
}

// Prometheus text -> [{name, labels, value}].
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

// The sum of a metric's samples whose labels include `labels`; undefined
// when the metric is absent.
export function metricValue(samples, name, labels = {}) {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    found = true;
    sum += s.value;
  }
  return found ? sum : undefined;
}

export async function metrics(server, headers = {}) {
  const r = await fetch(`${server.url}/metrics`, { headers });
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return parsePrometheus(await r.text());
}

// Polls `probe` until it returns a truthy value or timeoutMs passes; returns
// the last value.
export async function waitFor(probe, { timeoutMs = 5_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await probe();
    if (value || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// POST JSON with fetch; resolves to {status, headers, body (parsed or text)}.
export async function postJson(server, route, body, headers = {}) {
  const r = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, body: parsed };
}

// Reads an SSE response body event by event: yields each `data:` payload
// (the raw string; "[DONE]" included).
export async function* sseData(response) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
      if (data.length) yield data.join('\n');
    }
  }
}
