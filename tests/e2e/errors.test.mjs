// Errors over raw HTTP: each malformed request gets its OpenAI-shaped 4xx
// and the server keeps serving; API keys (a second server with --api-key).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { STORIES, postJson, skipReason, startServer } from './server.mjs';

const skip = skipReason([STORIES]) ?? false;
const model = 'stories';
const ok = { model, prompt: 'Once upon a time', max_tokens: 2 };

function assertOpenAIError(r, status, { param, code } = {}) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(typeof r.body, 'object', `JSON error body: ${r.body}`);
  const e = r.body.error;
  assert.equal(typeof e, 'object');
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  assert.equal(typeof e.type, 'string');
  assert.ok('param' in e && 'code' in e, 'OpenAI error shape has param and code');
  if (param !== undefined) assert.equal(e.param, param, e.message);
  if (code !== undefined) assert.equal(e.code, code, e.message);
  return e;
}

describe('request errors', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({ model: STORIES, args: ['--served-model-name', model] });
  });
  after(async () => {
    await server?.stop();
  });

  it('malformed JSON is 400', async () => {
    assertOpenAIError(await postJson(server, '/v1/completions', '{"model": "stories", "prompt": '), 400);
    assertOpenAIError(await postJson(server, '/v1/chat/completions', 'not json at all'), 400);
    assertOpenAIError(await postJson(server, '/v1/completions', '[1, 2, 3]'), 400);
  });

  it('wrong types and bad values are 400 naming the parameter', async () => {
    const cases = [
      [{ ...ok, max_tokens: 'ten' }, 'max_tokens'],
      [{ ...ok, max_tokens: -1 }, 'max_tokens'],
      [{ ...ok, temperature: 'hot' }, 'temperature'],
      [{ ...ok, temperature: -0.5 }, 'temperature'],
      [{ ...ok, top_p: 7 }, 'top_p'],
      [{ ...ok, n: 0 }, 'n'],
      [{ ...ok, n: 100000 }, 'n'],
      [{ ...ok, stream: 'yes' }, 'stream'],
      [{ ...ok, stop: 42 }, 'stop'],
      [{ ...ok, prompt: 42 }, 'prompt'],
      [{ ...ok, prompt: '' }, 'prompt'],
      [{ ...ok, seed: 1.5 }, 'seed'],
      [{ ...ok, logit_bias: { abc: 1 } }, 'logit_bias'],
    ];
    for (const [body, param] of cases) {
      const r = await postJson(server, '/v1/completions', body);
      assertOpenAIError(r, 400, { param });
    }
  });

  it('the prompt past the context is 400 context_length_exceeded with the numbers', async () => {
    // stories260K's context is 2048 tokens; this prompt is ~4000.
    const r = await postJson(server, '/v1/completions', { ...ok, prompt: 'Once upon a time '.repeat(1000) });
    const e = assertOpenAIError(r, 400, { code: 'context_length_exceeded' });
    // It says the numbers: the limit and the prompt's length.
    const numbers = (e.message.match(/\d+/g) ?? []).map(Number);
    assert.ok(numbers.some((n) => n <= 2048) && numbers.some((n) => n > 3000), e.message);
    // A prompt that fits but leaves no room for max_tokens is refused the same way.
    const fits = await postJson(server, '/v1/completions', { ...ok, prompt: 'Once upon a time '.repeat(400), max_tokens: 1000 });
    assertOpenAIError(fits, 400, { code: 'context_length_exceeded' });
  });

  it('chat without a chat template, empty messages, bad roles are 400', async () => {
    // stories260K has no chat template.
    assertOpenAIError(await postJson(server, '/v1/chat/completions', { model, messages: [] }), 400, { param: 'messages' });
    assertOpenAIError(await postJson(server, '/v1/chat/completions', { model, messages: 'hi' }), 400, { param: 'messages' });
    assertOpenAIError(await postJson(server, '/v1/chat/completions', { model }), 400);
  });

  it('unknown model is 404 model_not_found', async () => {
    assertOpenAIError(await postJson(server, '/v1/completions', { ...ok, model: 'gpt-4o' }), 404, {
      code: 'model_not_found',
    });
  });

  it('missing model is 400', async () => {
    const { model: _, ...noModel } = ok;
    assertOpenAIError(await postJson(server, '/v1/completions', noModel), 400, { param: 'model' });
  });

  it('invalid UTF-8 and deeply nested JSON are 400', async () => {
    const prefix = Buffer.from('{"model": "stories", "prompt": "');
    const bad = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('", "max_tokens": 2}')]);
    assertOpenAIError(await postJson(server, '/v1/completions', new Uint8Array(bad)), 400);
    const deep = '{"model": "stories", "prompt": "x", "user": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    assertOpenAIError(await postJson(server, '/v1/completions', deep), 400);
  });

  it('unsupported features are refused, unknown fields reported in X-Servir-Ignored-Fields', async () => {
    const schema = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
    assertOpenAIError(await postJson(server, '/v1/completions', { ...ok, response_format: schema }), 400);
    const r = await postJson(server, '/v1/completions', { ...ok, frobnicate: true, another_unknown: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const ignored = r.headers.get('x-servir-ignored-fields') ?? '';
    assert.match(ignored, /frobnicate/);
    assert.match(ignored, /another_unknown/);
  });

  it('a body over --max-body-bytes (4 MiB default) is 413', async () => {
    const huge = JSON.stringify({ ...ok, prompt: 'x'.repeat(5 << 20) });
    let r;
    try {
      r = await postJson(server, '/v1/completions', huge);
    } catch (e) {
      assert.fail(`the server dropped the connection instead of answering 413: ${e.cause ?? e}`);
    }
    assertOpenAIError(r, 413);
  });

  it('unknown routes are 404; wrong methods are 405 with Allow; HEAD is answered where GET is', async () => {
    const r = await fetch(`${server.url}/v1/nonexistent`);
    assert.equal(r.status, 404);
    const g = await fetch(`${server.url}/v1/completions`);
    assert.equal(g.headers.get('allow'), 'POST');
    assertOpenAIError({ status: g.status, body: await g.json() }, 405, { code: 'method_not_allowed' });
    for (const route of ['/health', '/ready', '/version', '/v1/models', '/metrics']) {
      const h = await fetch(`${server.url}${route}`, { method: 'HEAD' });
      assert.equal(h.status, 200, route);
      assert.ok(Number(h.headers.get('content-length')) > 0, route);
      assert.equal(await h.text(), '', route);
    }
  });

  it('request headers over --max-header-bytes (16 KiB default) are 431', async () => {
    let r;
    try {
      r = await fetch(`${server.url}/v1/models`, { headers: { 'x-big': 'a'.repeat(64 << 10) } });
    } catch (e) {
      assert.fail(`the server dropped the connection instead of answering 431: ${e.cause ?? e}`);
    }
    assertOpenAIError({ status: r.status, body: await r.json() }, 431, { code: 'request_header_fields_too_large' });
  });

  it('keeps serving after all of that', async () => {
    const r = await postJson(server, '/v1/completions', ok);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.usage.completion_tokens, 2);
    for (const route of ['/health', '/ready', '/version', '/metrics']) {
      assert.equal((await fetch(`${server.url}${route}`)).status, 200, route);
    }
  });
});

describe('API keys', { skip }, () => {
  let server;
  const key = 'sk-e2e-correct-horse';
  before(async () => {
    server = await startServer({
      model: STORIES,
      args: ['--served-model-name', model, '--api-key', key, '--api-key', 'sk-second'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('a missing key is 401 on every /v1 route', async () => {
    assertOpenAIError(await postJson(server, '/v1/completions', ok), 401);
    assertOpenAIError(await postJson(server, '/v1/chat/completions', { model, messages: [] }), 401);
    const models = await fetch(`${server.url}/v1/models`);
    assert.equal(models.status, 401);
    assert.ok(models.headers.get('www-authenticate'), 'WWW-Authenticate on 401');
    assert.equal((await postJson(server, '/tokenize', { model, prompt: 'hi' })).status, 401);
  });

  it('a wrong key is 401, the right keys pass', async () => {
    assertOpenAIError(await postJson(server, '/v1/completions', ok, { authorization: 'Bearer sk-wrong' }), 401);
    assertOpenAIError(await postJson(server, '/v1/completions', ok, { authorization: key }), 401);  // no "Bearer"
    assertOpenAIError(
      await postJson(server, '/v1/completions', ok, { authorization: `Bearer ${key}x` }), 401);
    for (const k of [key, 'sk-second']) {
      const r = await postJson(server, '/v1/completions', ok, { authorization: `Bearer ${k}` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });

  it('health, ready and metrics stay open; keys never reach the log', async () => {
    for (const route of ['/health', '/ready', '/metrics']) {
      assert.equal((await fetch(`${server.url}${route}`)).status, 200, route);
    }
    assert.ok(!server.stderr().includes(key), 'the key appears in the server log');
  });
});
