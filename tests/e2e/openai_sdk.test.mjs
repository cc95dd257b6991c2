// The official OpenAI Node SDK against a real `servir serve`: completions on
// stories260K (a trained model, so greedy text is known), chat on a tiny
// random-weight Qwen3 with Qwen3's real tokenizer and chat template.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { QWEN3_TOKENIZER, STORIES, makeChatModel, skipReason, startServer } from './server.mjs';

let OpenAI = null;
try {
  ({ default: OpenAI } = await import('openai'));
} catch {}
const sdkMissing = OpenAI ? null : 'npm package `openai` absent: run `npm ci --prefix tests/e2e`';

const client = (server, options = {}) =>
  new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-unused', maxRetries: 0, timeout: 120_000, ...options });

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('completions (stories260K)', { skip: sdkMissing ?? skipReason([STORIES]) ?? false }, () => {
  let server;
  let api;
  const model = 'stories';
  const greedy = { model, prompt: 'Once upon a time', temperature: 0, max_tokens: 64, ignore_eos: true };
  before(async () => {
    server = await startServer({ model: STORIES, args: ['--served-model-name', model] });
    api = client(server);
  });
  after(async () => {
    const status = await server?.stop();
    if (status) assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}`);
  });

  it('lists the served model', async () => {
    const page = await api.models.list();
    const ids = page.data.map((m) => m.id);
    assert.deepEqual(ids, [model]);
    assert.equal(page.data[0].object, 'model');
    const one = await api.models.retrieve(model).catch((e) => e);
    if (!(one instanceof Error)) assert.equal(one.id, model);
  });

  it('greedy completion continues the story, with usage and finish_reason length', async () => {
    const r = await api.completions.create(greedy);
    assert.equal(r.object, 'text_completion');
    assert.equal(typeof r.id, 'string');
    assert.equal(r.model, model);
    assert.ok(Number.isInteger(r.created));
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].index, 0);
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.match(r.choices[0].text, /Lily/);
    assert.equal(r.usage.completion_tokens, 64);
    assert.ok(r.usage.prompt_tokens > 1);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  it('streaming yields the same text, then usage with stream_options.include_usage', async () => {
    const whole = await api.completions.create(greedy);
    const chunks = await collect(
      await api.completions.create({ ...greedy, stream: true, stream_options: { include_usage: true } }));
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    assert.ok(withChoices.length > 1, 'several chunks');
    const text = withChoices.map((c) => c.choices[0].text).join('');
    assert.equal(text, whole.choices[0].text);
    assert.equal(withChoices.at(-1).choices[0].finish_reason, 'length');
    for (const c of withChoices.slice(0, -1)) assert.equal(c.choices[0].finish_reason, null);
    const usage = chunks.at(-1).usage;
    assert.equal(chunks.at(-1).choices.length, 0, 'the usage chunk has no choices');
    assert.deepEqual(
      { p: usage.prompt_tokens, c: usage.completion_tokens, t: usage.total_tokens },
      { p: whole.usage.prompt_tokens, c: 64, t: whole.usage.prompt_tokens + 64 });
    for (const c of chunks.slice(0, -1)) assert.ok(c.usage == null, 'usage only on the last chunk');
  });

  it('streaming without include_usage sends no usage', async () => {
    const chunks = await collect(await api.completions.create({ ...greedy, max_tokens: 4, stream: true }));
    assert.ok(chunks.every((c) => c.usage == null));
  });

  it('max_tokens ends with finish_reason length after exactly that many tokens', async () => {
    const r = await api.completions.create({ ...greedy, max_tokens: 5 });
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 5);
  });

  it('stop strings end the text before the stop string, streaming or not', async () => {
    const whole = (await api.completions.create(greedy)).choices[0].text;
    const at = whole.indexOf('Lily');
    assert.ok(at > 0);
    const r = await api.completions.create({ ...greedy, stop: ['Lily', 'no such text'] });
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].text, whole.slice(0, at));
    const chunks = await collect(await api.completions.create({ ...greedy, stop: 'Lily', stream: true }));
    const streamed = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].text).join('');
    assert.equal(streamed, whole.slice(0, at));
    assert.equal(chunks.filter((c) => c.choices.length).at(-1).choices[0].finish_reason, 'stop');
  });

  it('n=2 returns two choices and counts both in usage', async () => {
    const r = await api.completions.create({ ...greedy, n: 2, temperature: 1.0, seed: 11, max_tokens: 8 });
    assert.deepEqual(r.choices.map((c) => c.index).sort(), [0, 1]);
    for (const c of r.choices) assert.equal(c.finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 16);
  });

  it('n=2 streaming interleaves both indexes to the end', async () => {
    const chunks = await collect(
      await api.completions.create({ ...greedy, n: 2, temperature: 1.0, seed: 5, max_tokens: 6, stream: true }));
    const finished = {};
    for (const c of chunks) for (const ch of c.choices) if (ch.finish_reason) finished[ch.index] = ch.finish_reason;
    assert.deepEqual(finished, { 0: 'length', 1: 'length' });
  });

  it('seeded sampling is reproducible', async () => {
    const req = { ...greedy, temperature: 0.9, top_p: 0.95, seed: 1234, max_tokens: 24 };
    const a = await api.completions.create(req);
    const b = await api.completions.create(req);
    assert.equal(a.choices[0].text, b.choices[0].text);
  });

  it('logprobs: one entry per token, the greedy token on top', async () => {
    const r = await api.completions.create({ ...greedy, max_tokens: 8, logprobs: 3 });
    const lp = r.choices[0].logprobs;
    assert.equal(lp.tokens.length, 8);
    assert.equal(lp.token_logprobs.length, 8);
    assert.equal(lp.top_logprobs.length, 8);
    assert.equal(lp.text_offset.length, 8);
    assert.equal(lp.tokens.join(''), r.choices[0].text);
    for (let i = 0; i < 8; ++i) {
      assert.ok(lp.token_logprobs[i] <= 0);
      const top = Object.values(lp.top_logprobs[i]);
      assert.ok(top.length >= 1 && top.length <= 3);
      assert.ok(Math.abs(Math.max(...top) - lp.token_logprobs[i]) < 1e-4, 'greedy picks the most likely token');
    }
  });
});

describe('chat completions (random-weight Qwen3)', { skip: sdkMissing ?? skipReason([QWEN3_TOKENIZER]) ?? false }, () => {
  let server;
  let api;
  const model = 'qwen3-tiny';
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say something.' },
  ];
  const greedy = { model, messages, temperature: 0, max_tokens: 16, ignore_eos: true };
  before(async () => {
    server = await startServer({ model: makeChatModel(), args: ['--served-model-name', model] });
    api = client(server);
  });
  after(async () => {
    const status = await server?.stop();
    if (status) assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}`);
  });

  it('non-streaming: an assistant message, finish_reason length, usage', async () => {
    const r = await api.chat.completions.create(greedy);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, model);
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(typeof r.choices[0].message.content, 'string');
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 16);
    assert.ok(r.usage.prompt_tokens > 10, 'the chat template wraps the messages');
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 16);
  });

  it('streaming: role first, same content as non-streaming, usage last', async () => {
    const whole = await api.chat.completions.create(greedy);
    const chunks = await collect(
      await api.chat.completions.create({ ...greedy, stream: true, stream_options: { include_usage: true } }));
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1, 'one id for the whole stream');
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    assert.equal(withChoices[0].choices[0].delta.role, 'assistant');
    const content = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
    assert.equal(content, whole.choices[0].message.content);
    assert.equal(withChoices.at(-1).choices[0].finish_reason, 'length');
    assert.equal(chunks.at(-1).usage.completion_tokens, 16);
    assert.equal(chunks.at(-1).usage.prompt_tokens, whole.usage.prompt_tokens);
  });

  it('max_completion_tokens is honoured like max_tokens', async () => {
    const { max_tokens, ...rest } = greedy;
    const r = await api.chat.completions.create({ ...rest, max_completion_tokens: 3 });
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 3);
  });

  it('stop strings cut the greedy content at their first occurrence', async () => {
    const whole = (await api.chat.completions.create({ ...greedy, max_tokens: 32 })).choices[0].message.content;
    // A stop string taken from the middle of the greedy text.
    const chars = [...whole];
    assert.ok(chars.length >= 8, `greedy content long enough: ${JSON.stringify(whole)}`);
    const stop = chars.slice(4, 7).join('');
    const expected = whole.slice(0, whole.indexOf(stop));
    const r = await api.chat.completions.create({ ...greedy, max_tokens: 32, stop: [stop] });
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.content, expected);
    const chunks = await collect(await api.chat.completions.create({ ...greedy, max_tokens: 32, stop, stream: true }));
    const streamed = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta.content ?? '').join('');
    assert.equal(streamed, expected);
  });

  it('n=2 streaming carries both choices to a finish', async () => {
    const chunks = await collect(
      await api.chat.completions.create({ ...greedy, n: 2, temperature: 1, seed: 3, max_tokens: 5, stream: true }));
    const text = { 0: '', 1: '' };
    const finished = {};
    for (const c of chunks) {
      for (const ch of c.choices) {
        text[ch.index] += ch.delta.content ?? '';
        if (ch.finish_reason) finished[ch.index] = ch.finish_reason;
      }
    }
    assert.deepEqual(finished, { 0: 'length', 1: 'length' });
  });

  it('logprobs with top_logprobs: one entry per token', async () => {
    const r = await api.chat.completions.create({ ...greedy, max_tokens: 6, logprobs: true, top_logprobs: 2 });
    const content = r.choices[0].logprobs.content;
    assert.equal(content.length, 6);
    for (const entry of content) {
      assert.equal(typeof entry.token, 'string');
      assert.ok(entry.logprob <= 0);
      assert.ok(Array.isArray(entry.bytes));
      assert.equal(entry.top_logprobs.length, 2);
      assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob);
      assert.ok(Math.abs(entry.top_logprobs[0].logprob - entry.logprob) < 1e-4, 'greedy picks the top token');
    }
  });

  it('SDK errors carry the status, code and param', async () => {
    const notFound = await api.chat.completions.create({ ...greedy, model: 'gpt-nonexistent' }).catch((e) => e);
    assert.ok(notFound instanceof OpenAI.NotFoundError, String(notFound));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.code, 'model_not_found');
    const bad = await api.chat.completions.create({ ...greedy, temperature: -1 }).catch((e) => e);
    assert.ok(bad instanceof OpenAI.BadRequestError, String(bad));
    assert.equal(bad.param, 'temperature');
    const empty = await api.chat.completions.create({ ...greedy, messages: [] }).catch((e) => e);
    assert.ok(empty instanceof OpenAI.BadRequestError, String(empty));
    assert.equal(empty.param, 'messages');
  });
});
