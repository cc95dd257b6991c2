// Operations against a real server: a client disconnect frees its KV blocks,
// overload answers 429 at once, per-key rate limits, SIGTERM drains, and
// /health notices a stalled engine loop.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  STORIES, makeSlowModel, metricValue, metrics, postJson, skipReason, sseData, startServer, waitFor,
} from './server.mjs';

const skip = skipReason([STORIES]) ?? false;
const SANITIZED = process.env.E2E_SANITIZED === '1';
const model = 'slow';
let slowModel = null;
const slow = () => (slowModel ??= makeSlowModel());

// A long streaming completion; resolves once the first content chunk
// arrived, with the response, the reader and an AbortController.
async function startStream(server, { maxTokens = 3000, headers = {}, extra = {}, controller = new AbortController() } = {}) {
  const response = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model, prompt: 'Once upon a time', max_tokens: maxTokens, ignore_eos: true, stream: true, ...extra,
    }),
    signal: controller.signal,
  });
  return { response, controller };
}

// Reads a stream (a Response, or sseData() already started) to its end:
// {chunks (with text), finish, done, errorEvents}.
async function drainStream(source) {
  const result = { chunks: 0, finish: null, done: false, errorEvents: [] };
  const events = source instanceof Response ? sseData(source) : source;
  for await (const data of events) {
    if (data === '[DONE]') {
      result.done = true;
      continue;
    }
    const j = JSON.parse(data);
    if (j.error) result.errorEvents.push(j.error);
    for (const c of j.choices ?? []) {
      if (c.text) ++result.chunks;
      if (c.finish_reason) result.finish = c.finish_reason;
    }
  }
  return result;
}

describe('client disconnect mid-stream', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({ model: slow(), args: ['--served-model-name', model] });
  });
  after(async () => {
    await server?.stop();
  });

  it('aborts the request and frees its KV blocks', async () => {
    const idle = await metrics(server);
    assert.equal(metricValue(idle, 'vllm:num_requests_running'), 0);
    const usageIdle = metricValue(idle, 'vllm:kv_cache_usage_perc');
    assert.notEqual(usageIdle, undefined, 'vllm:kv_cache_usage_perc exported');

    const { response, controller } = await startStream(server);
    assert.equal(response.status, 200);
    const events = sseData(response);
    for (let i = 0; i < 3; ++i) await events.next();  // a few tokens in: the request runs and holds blocks
    const busy = await metrics(server);
    assert.equal(metricValue(busy, 'vllm:num_requests_running'), 1);
    assert.ok(metricValue(busy, 'vllm:kv_cache_usage_perc') > usageIdle, 'the stream holds KV blocks');

    controller.abort();
    await events.return?.().catch(() => {});
    const freed = await waitFor(async () => {
      const m = await metrics(server);
      return metricValue(m, 'vllm:num_requests_running') === 0 &&
          metricValue(m, 'vllm:kv_cache_usage_perc') <= usageIdle ? m : null;
    }, { timeoutMs: 3_000 });
    assert.ok(freed, 'running back to 0 and KV usage back down within 3 s');
    // Generation stopped: the token counter no longer moves.
    const tokensA = metricValue(freed, 'vllm:generation_tokens_total');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(metricValue(await metrics(server), 'vllm:generation_tokens_total'), tokensA);
  });
});

describe('overload', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({
      model: slow(),
      args: ['--served-model-name', model, '--max-num-seqs', '1', '--max-queue-len', '1'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('beyond --max-queue-len answers 429 with Retry-After at once, not a hang', async () => {
    const streams = [];
    const first = await startStream(server);  // running
    assert.equal(first.response.status, 200);
    streams.push(first);
    const started = Date.now();
    // A queued request may hold its response headers back until it runs:
    // give each 5 s, then count it as queued.
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const rest = await Promise.all(controllers.map((controller) => {
      const attempt = startStream(server, { controller }).catch((e) => ({ error: e }));
      return Promise.race([attempt, new Promise((r) => setTimeout(() => r({ queued: true }), 5_000))]);
    }));
    for (const s of rest) assert.ok(!s.error, `fetch failed: ${s.error}`);
    streams.push(...rest.filter((s) => !s.queued));
    const statuses = rest.map((s) => (s.queued ? 'queued' : s.response.status));
    const rejected = rest.filter((s) => !s.queued && s.response.status === 429);
    assert.ok(rejected.length >= 4, `statuses ${statuses}`);
    assert.ok(Date.now() - started < 6_000, 'the 429s came at once');
    for (const s of rejected) {
      assert.ok(Number(s.response.headers.get('retry-after')) >= 1, 'Retry-After');
      const body = await s.response.json();
      assert.equal(typeof body.error.message, 'string');
    }
    for (const s of streams) s.controller.abort();
    for (const c of controllers) c.abort();
    const m = await waitFor(async () => {
      const x = await metrics(server);
      return metricValue(x, 'vllm:num_requests_running') === 0 && metricValue(x, 'vllm:num_requests_waiting') === 0;
    }, { timeoutMs: 10_000 });
    assert.ok(m, 'aborted streams leave nothing running or waiting');
    const rejections = metricValue(await metrics(server), 'servir_requests_rejected_total');
    assert.ok(rejections >= rejected.length, `servir_requests_rejected_total ${rejections}`);
  });
});

describe('rate limit', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({
      model: STORIES,
      args: ['--served-model-name', model, '--api-key', 'sk-a', '--api-key', 'sk-b', '--rate-limit-rpm', '2'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('the third request in a minute is 429 with Retry-After and x-ratelimit headers; other keys unaffected', async () => {
    const req = { model, prompt: 'Once', max_tokens: 1 };
    const a = { authorization: 'Bearer sk-a' };
    assert.equal((await postJson(server, '/v1/completions', req, a)).status, 200);
    const second = await postJson(server, '/v1/completions', req, a);
    assert.equal(second.status, 200);
    assert.ok(second.headers.get('x-ratelimit-limit-requests'), 'x-ratelimit-limit-requests');
    assert.ok(second.headers.get('x-ratelimit-remaining-requests') !== null, 'x-ratelimit-remaining-requests');
    const third = await postJson(server, '/v1/completions', req, a);
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal(third.body.error.code, 'rate_limit_exceeded');
    const retryAfter = Number(third.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(
      (await postJson(server, '/v1/completions', req, { authorization: 'Bearer sk-b' })).status, 200,
      'limits are per key');
    assert.ok(metricValue(await metrics(server), 'servir_rate_limited_requests_total') >= 1);
  });
});

describe('SIGTERM', { skip }, () => {
  it('drains: the in-flight stream completes, new connections are refused, exit 0', async () => {
    const server = await startServer({ model: slow(), args: ['--served-model-name', model, '--shutdown-timeout', '120'] });
    try {
      // Seconds of streaming on this model, so SIGTERM lands mid-stream
      // (fewer tokens in a sanitizer build, which runs ~10x slower).
      const { response } = await startStream(server, { maxTokens: SANITIZED ? 300 : 1500 });
      assert.equal(response.status, 200);
      const events = sseData(response);
      await events.next();
      server.child.kill('SIGTERM');
      const finished = drainStream(events);
      // Draining: /ready is 503, or the listener is already closed.
      const ready = await waitFor(async () => {
        try {
          return (await fetch(`${server.url}/ready`)).status === 503 ? 'ready 503' : null;
        } catch {
          return 'refused';
        }
      });
      assert.ok(ready, 'not ready while draining');
      const result = await finished;
      assert.equal(result.finish, 'length');
      assert.equal(result.done, true);
      assert.deepEqual(result.errorEvents, []);
      assert.ok(result.chunks > (SANITIZED ? 100 : 500), `${result.chunks} content chunks after SIGTERM`);
      const usage = await fetch(`${server.url}/metrics`).catch(() => null);
      assert.equal(usage, null, 'no new connections while draining');
      const status = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      assert.deepEqual(status, { code: 0, signal: null });
    } finally {
      await server.stop({ signal: 'SIGKILL' });
    }
  });

  it('past --shutdown-timeout, streams end with an error event and the process still exits 0', async () => {
    const server = await startServer({
      model: slow(), args: ['--served-model-name', model, '--shutdown-timeout', '1'],
    });
    try {
      const { response } = await startStream(server, { maxTokens: 3500 });
      const events = sseData(response);
      await events.next();
      const finished = drainStream(events);
      const t0 = Date.now();
      server.child.kill('SIGTERM');
      const result = await finished;
      assert.ok(result.errorEvents.length === 1 || result.finish === 'abort', JSON.stringify(result));
      const status = await server.exited;
      assert.deepEqual(status, { code: 0, signal: null });
      assert.ok(Date.now() - t0 < 10_000, 'exit within the shutdown timeout plus a margin');
    } finally {
      await server.stop({ signal: 'SIGKILL' });
    }
  });
});

describe('/health with a stalled engine loop', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({
      model: STORIES,
      args: ['--served-model-name', model, '--enable-test-hooks', '--health-stale', '0.3'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('503 while the loop stalls, 200 again after', async () => {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const stall = await fetch(`${server.url}/debug/stall?ms=2000`, { method: 'POST' });
    assert.equal(stall.status, 200, await stall.text());
    const stalled = await waitFor(async () => (await fetch(`${server.url}/health`)).status === 503, {
      timeoutMs: 1_500,
    });
    assert.ok(stalled, '/health went 503');
    const recovered = await waitFor(async () => (await fetch(`${server.url}/health`)).status === 200, {
      timeoutMs: 5_000,
    });
    assert.ok(recovered, '/health back to 200 after the stall');
  });

  it('the hook is off without --enable-test-hooks', async () => {
    const plain = await startServer({ model: STORIES, args: ['--served-model-name', model] });
    try {
      const r = await fetch(`${plain.url}/debug/stall?ms=10`, { method: 'POST' });
      assert.ok(r.status === 404 || r.status === 403, String(r.status));
    } finally {
      await plain.stop();
    }
  });
});
