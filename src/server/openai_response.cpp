#include "server/openai_response.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace servir::server {
namespace {

using ojson = nlohmann::ordered_json;

// null while running; else the engine's name ("stop", "length", "abort", "error").
ojson finish_reason_json(FinishReason reason) {
  return reason == FinishReason::kNone ? ojson(nullptr) : ojson(finish_reason_name(reason));
}

std::string dump(const ojson& json) { return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string make_response_id(Endpoint endpoint, std::string_view request_id) {
  const char* prefix = endpoint == Endpoint::kChatCompletions ? "chatcmpl-" : "cmpl-";
  if (!request_id.empty()) return fmt::format("{}{}", prefix, request_id);
  // Ids only need to be unique, not secret; one generator per thread avoids
  // a lock on the I/O threads.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:016x}{:08x}", prefix, rng(), static_cast<std::uint32_t>(rng()));
}

ResponseAccumulator::ResponseAccumulator(const ParsedRequest& request, const ServedModel& model,
                                         std::string response_id, std::int64_t created_unix_s)
    : endpoint_(request.endpoint),
      id_(std::move(response_id)),
      model_name_(request.model),
      created_(created_unix_s),
      tokenizer_(model.tokenizer),
      n_(request.sampling.n),
      stream_(request.stream),
      include_usage_(request.stream && request.include_usage),
      echo_(request.echo && request.endpoint == Endpoint::kCompletions),
      logprobs_(request.sampling.logprobs),
      stop_token_ids_(request.sampling.stop_token_ids) {
  prompts_.resize(request.prompts.size());
  for (std::size_t i = 0; i < prompts_.size(); ++i) {
    if (echo_) prompts_[i].text = request.prompts[i].text;
    prompts_[i].prompt_tokens = static_cast<int>(request.prompts[i].token_ids.size());
    prompts_[i].choices.resize(static_cast<std::size_t>(n_));
  }
}

bool ResponseAccumulator::finished() const {
  return std::all_of(prompts_.begin(), prompts_.end(), [](const Prompt& p) { return p.finished; });
}

UsageCounts ResponseAccumulator::usage() const {
  UsageCounts u;
  for (const Prompt& p : prompts_) {
    u.prompt_tokens += p.prompt_tokens;
    u.cached_tokens += p.cached_tokens;
    u.completion_tokens += p.completion_tokens;
  }
  return u;
}

std::vector<std::string> ResponseAccumulator::add(std::size_t prompt_index, const RequestOutput& output) {
  std::vector<std::string> chunks;
  if (prompt_index >= prompts_.size() || prompts_[prompt_index].finished) return chunks;
  Prompt& p = prompts_[prompt_index];
  if (output.prompt_tokens > 0) p.prompt_tokens = output.prompt_tokens;
  p.cached_tokens = output.cached_prompt_tokens;
  p.completion_tokens = output.completion_tokens;
  for (const ChoiceDelta& d : output.choices) {
    if (d.index < 0 || d.index >= n_) continue;  // not a choice this request asked for
    Choice& c = p.choices[static_cast<std::size_t>(d.index)];
    if (d.finish_reason == FinishReason::kError) {
      failure_ = output.error.ok() ? Status(ErrorCode::kInternal, "the engine failed the request") : output.error;
    }
    if (stream_ && d.finish_reason != FinishReason::kError) {
      std::string chunk = stream_chunk(prompt_index, d, c);
      if (!chunk.empty()) chunks.push_back(std::move(chunk));
    }
    c.text += d.text;
    c.tokens += static_cast<int>(d.token_ids.size());
    c.logprobs.insert(c.logprobs.end(), d.logprobs.begin(), d.logprobs.end());
    if (d.finish_reason != FinishReason::kNone) {
      c.finish_reason = d.finish_reason;
      c.stop_string = d.stop_string;
      c.stop_token = d.stop_token;
    }
  }
  if (output.finished) {
    p.finished = true;
    if (!output.error.ok() && output.error.code() != ErrorCode::kUnavailable &&
        std::any_of(p.choices.begin(), p.choices.end(),
                    [](const Choice& c) { return c.finish_reason == FinishReason::kNone; })) {
      // The request ended without finishing every choice, for a reason that
      // is not an abort (those end as "abort"): report it.
      if (!failure_) failure_ = output.error;
    }
    for (std::size_t i = 0; i < p.choices.size(); ++i) {
      Choice& c = p.choices[i];
      if (c.finish_reason != FinishReason::kNone) continue;
      // A choice the engine ended without a word (abort before its first
      // token) still gets its finish_reason, so a stream never leaves a
      // choice open.
      if (stream_ && !failure_) {
        ChoiceDelta end;
        end.index = static_cast<int>(i);
        end.finish_reason = FinishReason::kAbort;
        chunks.push_back(stream_chunk(prompt_index, end, c));
      }
      c.finish_reason = FinishReason::kAbort;
    }
    if (include_usage_ && finished()) {
      ojson chunk = chunk_base();
      chunk["choices"] = ojson::array();
      chunk["usage"] = usage_json();
      chunks.push_back(dump(chunk));
    }
  }
  return chunks;
}

// One chunk per choice delta: OpenAI's clients accept the first content and
// the finish_reason in any chunk, so text and finish share one when both
// arrived together. Chat's first chunk of a choice also announces the role.
std::string ResponseAccumulator::stream_chunk(std::size_t prompt_index, const ChoiceDelta& d, Choice& c) {
  const int index = static_cast<int>(prompt_index) * n_ + d.index;
  const bool chat = endpoint_ == Endpoint::kChatCompletions;
  std::string text = d.text;
  if (!c.started && echo_) text = prompts_[prompt_index].text + text;
  const bool first = !c.started;
  c.started = true;
  const bool finishing = d.finish_reason != FinishReason::kNone;
  if (!first && text.empty() && d.logprobs.empty() && !finishing) return {};

  ojson choice = ojson::object();
  choice["index"] = index;
  if (chat) {
    ojson delta = ojson::object();
    if (first) delta["role"] = "assistant";
    if (first || !text.empty()) delta["content"] = text;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  const std::size_t offset = (echo_ ? prompts_[prompt_index].text.size() : 0) + c.text.size();
  choice["logprobs"] = logprobs_ && !d.logprobs.empty() ? logprobs_json(d.logprobs, offset) : ojson(nullptr);
  choice["finish_reason"] = finish_reason_json(d.finish_reason);
  choice["stop_reason"] = finishing ? stop_reason_json(d.stop_string, d.stop_token) : ojson(nullptr);
  ojson chunk = chunk_base();
  chunk["choices"] = ojson::array({std::move(choice)});
  if (include_usage_) chunk["usage"] = nullptr;
  return dump(chunk);
}

ojson ResponseAccumulator::chunk_base() const {
  ojson chunk = ojson::object();
  chunk["id"] = id_;
  chunk["object"] = endpoint_ == Endpoint::kChatCompletions ? "chat.completion.chunk" : "text_completion";
  chunk["created"] = created_;
  chunk["model"] = model_name_;
  return chunk;
}

std::string ResponseAccumulator::annotation_chunk(const nlohmann::ordered_json& fields) const {
  ojson chunk = chunk_base();
  chunk["choices"] = ojson::array();
  if (include_usage_) chunk["usage"] = nullptr;
  for (auto it = fields.begin(); it != fields.end(); ++it) chunk[it.key()] = it.value();
  return dump(chunk);
}

ojson ResponseAccumulator::usage_json() const {
  const UsageCounts u = usage();
  ojson usage = ojson::object();
  usage["prompt_tokens"] = u.prompt_tokens;
  usage["completion_tokens"] = u.completion_tokens;
  usage["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  usage["prompt_tokens_details"] = ojson{{"cached_tokens", u.cached_tokens}};
  return usage;
}

// OpenAI's two logprobs shapes. Chat: {"content": [{"token", "logprob",
// "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}]}. Completions:
// parallel lists {"tokens", "token_logprobs", "top_logprobs": [{token:
// logprob}], "text_offset"}, offsets into the choice's text.
ojson ResponseAccumulator::logprobs_json(const std::vector<TokenLogprob>& logprobs, std::size_t text_offset) const {
  const auto token_string = [this](std::int32_t id) {
    return tokenizer_ != nullptr ? std::string(tokenizer_->token_bytes(id)) : std::string();
  };
  const auto bytes_of = [](const std::string& s) {
    ojson bytes = ojson::array();
    for (const char ch : s) bytes.push_back(static_cast<int>(static_cast<unsigned char>(ch)));
    return bytes;
  };
  if (endpoint_ == Endpoint::kChatCompletions) {
    ojson content = ojson::array();
    for (const TokenLogprob& lp : logprobs) {
      const std::string token = token_string(lp.token);
      ojson top = ojson::array();
      for (const auto& [id, logprob] : lp.top) {
        const std::string alt = token_string(id);
        top.push_back(ojson{{"token", alt}, {"logprob", logprob}, {"bytes", bytes_of(alt)}});
      }
      content.push_back(
          ojson{{"token", token}, {"logprob", lp.logprob}, {"bytes", bytes_of(token)}, {"top_logprobs", top}});
    }
    return ojson{{"content", std::move(content)}};
  }
  ojson tokens = ojson::array();
  ojson token_logprobs = ojson::array();
  ojson top_logprobs = ojson::array();
  ojson offsets = ojson::array();
  std::size_t offset = text_offset;
  for (const TokenLogprob& lp : logprobs) {
    const std::string token = token_string(lp.token);
    tokens.push_back(token);
    token_logprobs.push_back(lp.logprob);
    ojson top = ojson::object();
    for (const auto& [id, logprob] : lp.top) top[token_string(id)] = logprob;
    top_logprobs.push_back(std::move(top));
    offsets.push_back(offset);
    offset += token.size();
  }
  return ojson{{"tokens", std::move(tokens)},
               {"token_logprobs", std::move(token_logprobs)},
               {"top_logprobs", std::move(top_logprobs)},
               {"text_offset", std::move(offsets)}};
}

// vLLM's stop_reason: the stop string, or a stop token the client listed;
// null when the model's own EOS (or a length limit) ended the choice.
ojson ResponseAccumulator::stop_reason_json(const std::optional<std::string>& stop_string,
                                            const std::optional<std::int32_t>& stop_token) const {
  if (stop_string) return *stop_string;
  if (stop_token && std::find(stop_token_ids_.begin(), stop_token_ids_.end(), *stop_token) != stop_token_ids_.end()) {
    return *stop_token;
  }
  return nullptr;
}

ojson ResponseAccumulator::final_json() const {
  const bool chat = endpoint_ == Endpoint::kChatCompletions;
  ojson body = ojson::object();
  body["id"] = id_;
  body["object"] = chat ? "chat.completion" : "text_completion";
  body["created"] = created_;
  body["model"] = model_name_;
  ojson choices = ojson::array();
  for (std::size_t pi = 0; pi < prompts_.size(); ++pi) {
    const Prompt& p = prompts_[pi];
    for (std::size_t ci = 0; ci < p.choices.size(); ++ci) {
      const Choice& c = p.choices[ci];
      ojson choice = ojson::object();
      choice["index"] = static_cast<int>(pi) * n_ + static_cast<int>(ci);
      const std::size_t offset = echo_ ? p.text.size() : 0;
      if (chat) {
        choice["message"] = ojson{{"role", "assistant"}, {"content", c.text}};
      } else {
        choice["text"] = echo_ ? p.text + c.text : c.text;
      }
      choice["logprobs"] = logprobs_ ? logprobs_json(c.logprobs, offset) : ojson(nullptr);
      choice["finish_reason"] = finish_reason_json(c.finish_reason);
      choice["stop_reason"] = stop_reason_json(c.stop_string, c.stop_token);
      choices.push_back(std::move(choice));
    }
  }
  body["choices"] = std::move(choices);
  body["usage"] = usage_json();
  return body;
}

std::string ResponseAccumulator::final_body() const { return dump(final_json()); }

}  // namespace servir::server
