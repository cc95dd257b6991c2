// The Engine with a real (tiny, random-weight) model: greedy outputs do not
// depend on what else runs, on prefix-cache hits or on preemption; seeded
// sampling is reproducible; n > 1 forks; abort, deadlines, admission
// limits and the heartbeat.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include <fmt/format.h>

#include "engine_test_util.h"

namespace servir {
namespace {

using testing::Collected;
using testing::Collector;
using testing::EngineFixture;
using testing::greedy_request;
using ::testing::HasSubstr;
using testing::random_prompt;

Collected run_alone(Engine& engine, GenerationRequest request) {
  Collector c;
  EXPECT_TRUE(engine.submit(std::move(request), c.sink()).ok());
  return c.wait();
}

std::vector<Collected> run_together(Engine& engine, std::vector<GenerationRequest> requests) {
  std::vector<std::unique_ptr<Collector>> collectors;
  for (auto& r : requests) {
    collectors.push_back(std::make_unique<Collector>());
    Status st = engine.submit(std::move(r), collectors.back()->sink());
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  std::vector<Collected> out;
  for (auto& c : collectors) out.push_back(c->wait());
  return out;
}

void expect_idle_and_whole(Engine& engine) {
  // The loop publishes its state after each turn; give it one.
  for (int i = 0; i < 100 && (engine.stats().running != 0 || engine.stats().blocks_used != 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const EngineStats s = engine.stats();
  EXPECT_EQ(s.running, 0);
  EXPECT_EQ(s.waiting, 0);
  EXPECT_EQ(s.blocks_used, 0) << "blocks leaked";
  EXPECT_EQ(engine.live_requests(), 0);
}

TEST(Engine, GreedyOutputsAreTheSameAloneAndAmongSixteen) {
  EngineFixture f;
  auto engine = f.engine();
  std::vector<GenerationRequest> requests;
  std::vector<Collected> alone;
  for (int i = 0; i < 16; ++i) {
    requests.push_back(greedy_request(fmt::format("r{}", i), random_prompt(i, 5 + 3 * i), 24));
    alone.push_back(run_alone(*engine, requests.back()));
    ASSERT_EQ(alone.back().tokens.at(0).size(), 24u);
    EXPECT_EQ(alone.back().finish.at(0), FinishReason::kLength);
  }
  const auto together = run_together(*engine, requests);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(together[static_cast<std::size_t>(i)].tokens.at(0), alone[static_cast<std::size_t>(i)].tokens.at(0))
        << "request " << i;
  }
  expect_idle_and_whole(*engine);
  EXPECT_GT(engine->stats().steps, 0u);
}

TEST(Engine, PrefixCacheHitsDoNotChangeOutputs) {
  EngineFixture f;
  const auto shared = random_prompt(99, 40);
  auto prompt_b = shared;
  for (auto t : random_prompt(100, 7)) prompt_b.push_back(t);

  Collected without;
  {
    EngineOptions o = EngineFixture::small_options();
    o.enable_prefix_caching = false;
    auto engine = f.engine(o);
    run_alone(*engine, greedy_request("a", shared, 8));
    without = run_alone(*engine, greedy_request("b", prompt_b, 16));
    EXPECT_EQ(without.last.cached_prompt_tokens, 0);
  }
  auto engine = f.engine();
  run_alone(*engine, greedy_request("a", shared, 8));
  const Collected with = run_alone(*engine, greedy_request("b", prompt_b, 16));
  EXPECT_EQ(with.last.cached_prompt_tokens, 40) << "10 full blocks of 4 shared";
  EXPECT_EQ(with.tokens.at(0), without.tokens.at(0));
  EXPECT_GT(engine->stats().prefix_cache_hits, 0u);
  // A different cache_salt must not hit.
  auto salted = greedy_request("c", prompt_b, 4);
  salted.cache_salt = "tenant-2";
  EXPECT_EQ(run_alone(*engine, salted).last.cached_prompt_tokens, 0);
}

// Prefix-cache hits and n > 1 forks (copy-on-write of a shared partial
// block) keep working for every KV cache type: 32-wide heads so that q8_0
// blocks fit.
TEST(Engine, PrefixCacheAndForksWorkForEveryKvCacheType) {
  for (GgmlType kv_type : {GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0}) {
    EngineFixture f(/*kv_blocks=*/256, /*block_size=*/4, /*model_path=*/"", kv_type, /*n_heads=*/2);
    const auto shared = random_prompt(99, 40);
    auto prompt_b = shared;
    for (auto t : random_prompt(100, 7)) prompt_b.push_back(t);
    Collected without;
    {
      EngineOptions o = EngineFixture::small_options();
      o.enable_prefix_caching = false;
      auto engine = f.engine(o);
      without = run_alone(*engine, greedy_request("b", prompt_b, 16));
    }
    auto engine = f.engine();
    run_alone(*engine, greedy_request("a", shared, 8));
    const Collected with = run_alone(*engine, greedy_request("b", prompt_b, 16));
    EXPECT_EQ(with.last.cached_prompt_tokens, 40) << ggml_type_name(kv_type);
    EXPECT_EQ(with.tokens.at(0), without.tokens.at(0)) << ggml_type_name(kv_type);
    GenerationRequest forked = greedy_request("n3", random_prompt(8, 13), 12);  // 13: a partial block to copy
    forked.sampling.n = 3;
    const Collected three = run_alone(*engine, forked);
    ASSERT_EQ(three.tokens.size(), 3u);
    for (int i = 1; i < 3; ++i)
      EXPECT_EQ(three.tokens[static_cast<std::size_t>(i)], three.tokens[0]) << ggml_type_name(kv_type);
    expect_idle_and_whole(*engine);
  }
}

TEST(Engine, PreemptionAndRecomputeDoNotChangeOutputs) {
  EngineFixture f(/*kv_blocks=*/16, /*block_size=*/4);  // 64 token slots
  auto engine = f.engine();
  std::vector<GenerationRequest> requests;
  std::vector<Collected> alone;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(greedy_request(fmt::format("p{}", i), random_prompt(50 + i, 12), 20));  // 32 tokens each
    alone.push_back(run_alone(*engine, requests.back()));
  }
  const auto together = run_together(*engine, requests);
  for (std::size_t i = 0; i < together.size(); ++i) {
    EXPECT_EQ(together[i].tokens.at(0), alone[i].tokens.at(0)) << "request " << i;
  }
  EXPECT_GT(engine->stats().preemptions, 0u) << "the pool was meant to force preemption";
  expect_idle_and_whole(*engine);
}

TEST(Engine, SeededSamplingIsReproducibleWhateverElseRuns) {
  EngineFixture f;
  auto engine = f.engine();
  GenerationRequest r = greedy_request("s", random_prompt(7, 10), 32);
  r.sampling.temperature = 1.0f;
  r.sampling.seed = 1234;
  const Collected alone = run_alone(*engine, r);
  std::vector<GenerationRequest> crowd{r};
  for (int i = 0; i < 8; ++i) {
    auto other = greedy_request(fmt::format("o{}", i), random_prompt(300 + i, 9 + i), 20);
    other.sampling.temperature = 0.9f;
    crowd.push_back(other);
  }
  const auto together = run_together(*engine, crowd);
  EXPECT_EQ(together[0].tokens.at(0), alone.tokens.at(0));
  r.sampling.seed = 1235;
  r.id = "s2";
  EXPECT_NE(run_alone(*engine, r).tokens.at(0), alone.tokens.at(0)) << "another seed, another stream";
}

TEST(Engine, NChoicesForkFromOnePromptAndFinishOnce) {
  EngineFixture f;
  auto engine = f.engine();
  GenerationRequest greedy = greedy_request("g", random_prompt(8, 13), 12);
  const Collected one = run_alone(*engine, greedy);
  greedy.id = "g3";
  greedy.sampling.n = 3;
  const std::uint64_t computed_before = engine->stats().computed_prompt_tokens;
  const Collected three = run_alone(*engine, greedy);
  ASSERT_EQ(three.tokens.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(three.tokens[static_cast<std::size_t>(i)], one.tokens.at(0)) << "greedy choice " << i;
    EXPECT_EQ(three.finish[static_cast<std::size_t>(i)], FinishReason::kLength);
  }
  EXPECT_EQ(three.last.completion_tokens, 36);
  // The prompt ran once for all three (13 tokens, minus cached blocks).
  EXPECT_LE(engine->stats().computed_prompt_tokens - computed_before, 13u);

  GenerationRequest sampled = greedy_request("n", random_prompt(9, 6), 16);
  sampled.sampling.temperature = 1.0f;
  sampled.sampling.seed = 5;
  sampled.sampling.n = 4;
  const Collected a = run_alone(*engine, sampled);
  sampled.id = "n-again";
  const Collected b = run_alone(*engine, sampled);
  EXPECT_EQ(a.tokens, b.tokens) << "seeded n > 1 is reproducible";
  EXPECT_NE(a.tokens[0], a.tokens[1]) << "choices draw distinct streams";
  expect_idle_and_whole(*engine);
}

TEST(Engine, AbortEndsARunningRequestAndFreesItsBlocks) {
  EngineFixture f;
  auto engine = f.engine();
  Engine* raw = engine.get();
  Collector c;
  OutputSink inner = c.sink();
  bool stalled = false;
  // The first output stalls the loop so the abort surely lands mid-request
  // (a tiny model finishes 400 tokens in milliseconds).
  ASSERT_TRUE(engine
                  ->submit(greedy_request("long", random_prompt(3, 20), 400),
                           [&, raw](RequestOutput&& out) {
                             if (!stalled) {
                               stalled = true;
                               raw->stall_for_testing(std::chrono::milliseconds(200));
                             }
                             inner(std::move(out));
                           })
                  .ok());
  ASSERT_TRUE(c.wait_first_output());
  engine->abort("long");
  const Collected out = c.wait();
  EXPECT_EQ(out.finish.at(0), FinishReason::kAbort);
  EXPECT_LT(out.tokens.at(0).size(), 400u);
  EXPECT_EQ(out.last.error.code(), ErrorCode::kUnavailable);
  engine->abort("long");     // finished: ignored
  engine->abort("unknown");  // never existed: ignored
  expect_idle_and_whole(*engine);
  EXPECT_EQ(c.outputs_after_finish(), 0);
}

// Deadlines are made to pass deterministically by stalling the engine loop
// (a tiny model would otherwise finish 400 tokens before any wall-clock
// deadline a test can afford).
TEST(Engine, DeadlinesAbortQueuedAndRunningRequests) {
  EngineFixture f;
  auto engine = f.engine();
  Engine* raw = engine.get();

  // Queued: the loop is stalled past the deadline before it ever runs it.
  engine->stall_for_testing(std::chrono::milliseconds(150));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto queued = greedy_request("late-queued", random_prompt(4, 8), 400);
  queued.deadline = EngineClock::now() + std::chrono::milliseconds(30);
  const Collected q = run_alone(*engine, queued);
  EXPECT_EQ(q.finish.at(0), FinishReason::kAbort);
  EXPECT_TRUE(q.tokens.empty() || q.tokens.at(0).empty());
  EXPECT_THAT(q.last.error.message(), HasSubstr("timed out"));

  // Running: its first output stalls the loop (the sink runs on the engine
  // thread) until the deadline has passed.
  auto running = greedy_request("late-running", random_prompt(5, 8), 400);
  running.deadline = EngineClock::now() + std::chrono::milliseconds(100);
  Collector c;
  OutputSink inner = c.sink();
  bool stalled = false;
  ASSERT_TRUE(engine
                  ->submit(running,
                           [&, raw](RequestOutput&& out) {
                             if (!stalled) {
                               stalled = true;
                               raw->stall_for_testing(std::chrono::milliseconds(200));
                             }
                             inner(std::move(out));
                           })
                  .ok());
  const Collected r = c.wait();
  EXPECT_EQ(r.finish.at(0), FinishReason::kAbort);
  EXPECT_GT(r.tokens.at(0).size(), 0u);
  EXPECT_LT(r.tokens.at(0).size(), 400u);
  EXPECT_THAT(r.last.error.message(), HasSubstr("timed out"));
  expect_idle_and_whole(*engine);
}

TEST(Engine, RefusesWhatCanNeverRunWithTheReason) {
  EngineFixture f(/*kv_blocks=*/8, /*block_size=*/4);  // 32 token slots
  auto engine = f.engine();
  Collector c;
  Status st = engine->submit(greedy_request("big", random_prompt(1, 20), 20), c.sink());
  EXPECT_EQ(st.code(), ErrorCode::kContextLengthExceeded);
  EXPECT_THAT(st.message(), HasSubstr("pool"));
  st = engine->submit(greedy_request("ctx", random_prompt(1, 500), 100), c.sink());
  EXPECT_EQ(st.code(), ErrorCode::kContextLengthExceeded);
  EXPECT_THAT(st.message(), HasSubstr("maximum context length is 512"));
  st = engine->submit(greedy_request("empty", {}, 4), c.sink());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  st = engine->submit(greedy_request("oov", {1, 2, 999}, 4), c.sink());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  auto bad = greedy_request("temp", {1, 2}, 4);
  bad.sampling.temperature = -1;
  st = engine->submit(bad, c.sink());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("temperature"));
  EXPECT_GE(engine->stats().requests_rejected, 5u);
}

TEST(Engine, QueueLimitsRefuseWithResourceExhaustedAndDuplicateIdsAreRefused) {
  EngineFixture f;
  EngineOptions o = EngineFixture::small_options();
  o.max_queue_len = 2;
  auto engine = f.engine(o);
  engine->stall_for_testing(std::chrono::milliseconds(400));  // nothing leaves the queue meanwhile
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Collector a, b, c, d;
  ASSERT_TRUE(engine->submit(greedy_request("q1", random_prompt(1, 4), 2), a.sink()).ok());
  EXPECT_EQ(engine->submit(greedy_request("q1", random_prompt(1, 4), 2), d.sink()).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(engine->submit(greedy_request("q2", random_prompt(2, 4), 2), b.sink()).ok());
  const Status full = engine->submit(greedy_request("q3", random_prompt(3, 4), 2), c.sink());
  EXPECT_EQ(full.code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("queue is full"));
  EXPECT_EQ(a.wait().finish.at(0), FinishReason::kLength);
  EXPECT_EQ(b.wait().finish.at(0), FinishReason::kLength);
}

TEST(Engine, HeartbeatGoesStaleWhileTheLoopIsStalledAndRecovers) {
  EngineFixture f;
  EngineOptions o = EngineFixture::small_options();
  o.idle_tick = std::chrono::milliseconds(10);
  auto engine = f.engine(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LT(EngineClock::now() - engine->heartbeat(), std::chrono::milliseconds(200)) << "idle loop still beats";
  engine->stall_for_testing(std::chrono::milliseconds(600));
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_GT(EngineClock::now() - engine->heartbeat(), std::chrono::milliseconds(250));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LT(EngineClock::now() - engine->heartbeat(), std::chrono::milliseconds(200));
}

TEST(Engine, StopFinishesEveryLiveRequestAndRefusesNewOnes) {
  EngineFixture f;
  auto engine = f.engine();
  Collector a, b;
  ASSERT_TRUE(engine->submit(greedy_request("s1", random_prompt(1, 10), 400), a.sink()).ok());
  ASSERT_TRUE(engine->submit(greedy_request("s2", random_prompt(2, 10), 400), b.sink()).ok());
  engine->close_admission();
  EXPECT_EQ(engine->submit(greedy_request("s3", {1}, 1), a.sink()).code(), ErrorCode::kUnavailable);
  engine->stop();
  EXPECT_TRUE(a.wait().finished);
  EXPECT_TRUE(b.wait().finished);
  EXPECT_EQ(engine->live_requests(), 0);
}

// Beam search: width 1 is greedy; a wider beam returns n distinct
// hypotheses ranked by score, and frees every block it forked.
TEST(Engine, BeamSearchWidthOneIsGreedyAndResultsAreRanked) {
  EngineFixture f;
  auto engine = f.engine();
  const auto prompt = random_prompt(77, 9);
  const Collected greedy = run_alone(*engine, greedy_request("greedy", prompt, 10));

  auto beam = greedy_request("beam1", prompt, 10);
  beam.sampling.use_beam_search = true;
  beam.sampling.best_of = 1;
  const Collected one = run_alone(*engine, beam);
  EXPECT_EQ(one.tokens.at(0), greedy.tokens.at(0));

  beam.id = "beam4";
  beam.sampling.best_of = 4;
  beam.sampling.n = 2;
  beam.sampling.length_penalty = 0.0f;  // score = cumulative logprob
  Collector c4;
  ASSERT_TRUE(engine->submit(beam, c4.sink()).ok());
  const Collected four = c4.wait();
  ASSERT_EQ(four.tokens.size(), 2u);
  EXPECT_EQ(four.tokens[0].size(), 10u);
  EXPECT_EQ(four.tokens[1].size(), 10u);
  EXPECT_NE(four.tokens[0], four.tokens[1]);
  EXPECT_GE(four.cumulative.at(0), four.cumulative.at(1));
  EXPECT_LT(four.cumulative.at(0), 0.0);
  EXPECT_EQ(four.last.completion_tokens, 20);
  expect_idle_and_whole(*engine);
}

TEST(Engine, Stories260KGreedyIsTheSameAloneAndAmongSixteen) {
  const auto model_path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model_path);
  EngineFixture f(512, 16, model_path.string());
  ASSERT_TRUE(f.tokenizer.has_value());
  auto engine = f.engine();
  const char* openings[] = {"Once upon a time", "The cat", "Lily wanted", "One day, a big", "Tom and Sue"};
  std::vector<GenerationRequest> requests;
  std::vector<Collected> alone;
  for (int i = 0; i < 16; ++i) {
    auto prompt = f.tokenizer->encode(openings[i % 5], {.add_special = true});
    for (int extra = 0; extra < i / 5; ++extra) prompt.push_back(prompt[static_cast<std::size_t>(1 + extra)]);
    requests.push_back(greedy_request(fmt::format("s{}", i), prompt, 24));
    requests.back().sampling.ignore_eos = true;
    alone.push_back(run_alone(*engine, requests.back()));
  }
  const auto together = run_together(*engine, requests);
  for (std::size_t i = 0; i < together.size(); ++i) {
    EXPECT_EQ(together[i].tokens.at(0), alone[i].tokens.at(0)) << "request " << i;
    EXPECT_EQ(together[i].text.at(0), alone[i].text.at(0));
  }
  expect_idle_and_whole(*engine);
}

TEST(Engine, StopStringsAndTextWithARealTokenizer) {
  const auto model_path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model_path);
  EngineFixture f(256, 16, model_path.string());
  ASSERT_TRUE(f.tokenizer.has_value());
  auto engine = f.engine();
  const std::vector<std::int32_t> prompt = f.tokenizer->encode("Once upon a time", {.add_special = true});
  const Collected free_run = run_alone(*engine, greedy_request("free", prompt, 40));
  const std::string text = free_run.text.at(0);
  ASSERT_GT(text.size(), 20u) << text;
  // Stop at a word from the middle of what greedy decoding produced.
  const std::string stop = text.substr(text.size() / 2, 4);
  auto stopped = greedy_request("stopped", prompt, 40);
  stopped.sampling.stop = {stop};
  const Collected out = run_alone(*engine, stopped);
  EXPECT_EQ(out.finish.at(0), FinishReason::kStop);
  EXPECT_EQ(out.stop_string.at(0), stop);
  EXPECT_EQ(out.text.at(0), text.substr(0, text.find(stop))) << "text is cut before the stop string";
  stopped.id = "stopped-incl";
  stopped.sampling.include_stop_str_in_output = true;
  EXPECT_EQ(run_alone(*engine, stopped).text.at(0), text.substr(0, text.find(stop) + stop.size()));
}

}  // namespace
}  // namespace servir
