// A bounded soak: 200 concurrent streaming clients against stories260K for
// E2E_SOAK_SECONDS (20 s by default, so `make test` stays reasonable; the
// issue's figure is 60). Zero errors other than intended 429s, every stream
// ends with [DONE], nothing left running afterwards, and the process RSS
// (servir_process_resident_memory_bytes) stable: after a warm-up quarter it
// grows by at most 16 MiB + 10% (more under ASan, see below). Then `servir loadtest` against the same
// server must report every request ok.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import { SERVIR_BINARY, STORIES, metricValue, metrics, skipReason, sseData, startServer, waitFor } from './server.mjs';

const skip = skipReason([STORIES]) ?? false;
const model = 'stories';
const SOAK_SECONDS = Number(process.env.E2E_SOAK_SECONDS || 20);
const CLIENTS = Number(process.env.E2E_SOAK_CLIENTS || 200);
// ASan holds freed memory in a quarantine (256 MiB by default) and keeps
// per-thread caches before reusing it, so a sanitized server's RSS climbs by
// design (~300 MiB measured over 20 s): there the bound allows 384 MiB more.
const SANITIZED = process.env.E2E_SANITIZED === '1';
const RSS_SLACK_BYTES = (16 + (SANITIZED ? 384 : 0)) << 20;
const RSS_SLACK_FRACTION = 0.10;

describe('soak', { skip, timeout: (SOAK_SECONDS + 120) * 1000 }, () => {
  let server;
  before(async () => {
    server = await startServer({
      model: STORIES,
      args: ['--served-model-name', model, '--max-num-seqs', '256', '--max-queue-len', '1024'],
    });
  });
  after(async () => {
    const status = await server?.stop();
    if (status) assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}`);
  });

  it(`${CLIENTS} concurrent streaming clients for ${SOAK_SECONDS} s: no errors, RSS stable`, async () => {
    const deadline = Date.now() + SOAK_SECONDS * 1000;
    const counts = { ok: 0, rejected429: 0 };
    const failures = [];
    const rss = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = await metrics(server);
        rss.push({ t: Date.now(), bytes: metricValue(m, 'servir_process_resident_memory_bytes') });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    async function client(id) {
      let i = 0;
      while (Date.now() < deadline) {
        const maxTokens = 16 + ((id * 7 + i++) % 48);
        let response;
        try {
          response = await fetch(`${server.url}/v1/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model, prompt: `Once upon a time client ${id} request ${i}`, max_tokens: maxTokens,
              ignore_eos: true, temperature: 0.8, stream: true, stream_options: { include_usage: true },
            }),
          });
        } catch (e) {
          failures.push(`client ${id}: fetch failed: ${e.cause?.code ?? e}`);
          return;
        }
        if (response.status === 429) {
          ++counts.rejected429;
          await response.arrayBuffer();
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (response.status !== 200) {
          failures.push(`client ${id}: HTTP ${response.status} ${await response.text()}`);
          return;
        }
        let done = false;
        let usage = null;
        try {
          for await (const data of sseData(response)) {
            if (data === '[DONE]') {
              done = true;
            } else {
              const j = JSON.parse(data);
              if (j.error) throw new Error(`error event ${JSON.stringify(j.error)}`);
              if (j.usage) usage = j.usage;
            }
          }
        } catch (e) {
          failures.push(`client ${id}: ${e.message ?? e}`);
          return;
        }
        if (!done || usage?.completion_tokens !== maxTokens) {
          failures.push(`client ${id}: done=${done} usage=${JSON.stringify(usage)} wanted ${maxTokens}`);
          return;
        }
        ++counts.ok;
      }
    }

    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    sampling = false;
    await sampler;

    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failures`);
    assert.ok(counts.ok >= CLIENTS, `completed ${counts.ok} requests (${counts.rejected429} rejected with 429)`);
    const idle = await waitFor(async () => {
      const m = await metrics(server);
      return metricValue(m, 'vllm:num_requests_running') === 0 && metricValue(m, 'vllm:num_requests_waiting') === 0;
    });
    assert.ok(idle, 'nothing running or waiting after the soak');

    assert.ok(rss.length >= 4 && rss.every((s) => s.bytes > 0), 'RSS sampled from /metrics');
    const warm = rss.filter((s) => s.t >= rss[0].t + (SOAK_SECONDS * 1000) / 4);
    const base = warm[0].bytes;
    const peak = Math.max(...warm.map((s) => s.bytes));
    const bound = base + RSS_SLACK_BYTES + base * RSS_SLACK_FRACTION;
    console.log(`soak: ${counts.ok} ok, ${counts.rejected429} x 429, RSS after warm-up ${(base / 2 ** 20).toFixed(1)} MiB,` +
        ` peak ${(peak / 2 ** 20).toFixed(1)} MiB, bound ${(bound / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(peak <= bound, `RSS grew from ${base} to ${peak} bytes (bound ${bound})`);
  });

  it('servir loadtest reports every request ok against the real server', async () => {
    // Asynchronously: a blocked event loop would stop draining the server's
    // stderr pipe, and a server whose log pipe is full stalls.
    const r = await promisify(execFile)(SERVIR_BINARY, [
      'loadtest', '--url', server.url, '--endpoint', 'completions', '--concurrency', '8', '--requests', '32',
      '--prompt-tokens', '32', '--max-tokens', '16', '--shared-prefix-tokens', '16', '--timeout-s', '120', '--json',
    ]).catch((e) => e);
    assert.ok(!(r instanceof Error), `servir loadtest failed: ${r.code} ${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout);
    assert.equal(report.model, model);
    assert.equal(report.completed, 32);
    assert.equal(report.failed, 0);
    assert.equal(report.output_tokens_total, 32 * 16);
    assert.equal(report.output_tokens_source, 'usage');
    assert.equal(report.short_requests, 0);
    assert.ok(report.prompt_tokens_mean > 0);
    assert.equal(report.ttft_ms.count, 32);
    assert.ok(report.itl_ms.count > 0);
    assert.ok(report.output_tokens_per_s > 0);
  });
});
