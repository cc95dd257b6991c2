// Building OpenAI response bodies from engine outputs.
//
// One ResponseAccumulator per HTTP request. The transport feeds it every
// RequestOutput of every engine request the ParsedRequest produced (prompt i
// of a /v1/completions batch is engine request i; its choice c is response
// choice i * n + c), and
//   - streaming: sends each string add() returns as one SSE event
//     ("data: <json>\n\n"), then "data: [DONE]" once finished();
//   - non-streaming: once finished(), answers with final_body().
// When the engine failed a request (FinishReason::kError), failure() holds
// its Status: the transport answers with api_error(*failure()) instead
// (non-streaming) or sends that error as the last event.
//
// Stream shape: per choice, a first chunk with delta {"role":"assistant",
// "content":""} (chat only), then content chunks, then a chunk with an empty
// delta (chat) or empty text (completions) carrying finish_reason and
// stop_reason; with include_usage every chunk has "usage": null and a last
// chunk with "choices": [] carries the usage of all prompts.
//
// finish_reason is "stop", "length", or "abort" (vLLM's value for requests
// cut by a deadline, disconnect or shutdown). stop_reason (vLLM extension)
// is the stop string or stop token id that ended a choice, null for EOS.
//
// Not thread-safe: call it from the one strand that owns the HTTP request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/request.h"
#include "server/openai_request.h"
#include "server/served_model.h"

namespace servir::server {

// "chatcmpl-<request_id>" / "cmpl-<request_id>"; a random 24-hex-digit
// suffix when request_id is empty.
std::string make_response_id(Endpoint endpoint, std::string_view request_id);

struct UsageCounts {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;  // prompt tokens served from the prefix cache
};

class ResponseAccumulator {
 public:
  // `model` (its tokenizer) must outlive the accumulator; the request's
  // fields it needs are copied.
  ResponseAccumulator(const ParsedRequest& request, const ServedModel& model, std::string response_id,
                      std::int64_t created_unix_s);

  // Folds in one output of prompt `prompt_index`'s engine request. Returns
  // the stream chunks (JSON texts) it produced; always empty when the
  // request is not streaming.
  std::vector<std::string> add(std::size_t prompt_index, const RequestOutput& output);

  bool finished() const;  // every prompt's engine request has finished
  const std::optional<Status>& failure() const { return failure_; }
  UsageCounts usage() const;
  const std::string& id() const { return id_; }

  // A stream chunk with "choices": [] and `fields` added (e.g. the guard's
  // reason for a content_filter finish): clients that handle the usage
  // chunk's empty choices handle it too.
  std::string annotation_chunk(const nlohmann::ordered_json& fields) const;

  // The chat.completion / text_completion object; call once finished().
  nlohmann::ordered_json final_json() const;
  std::string final_body() const;  // final_json() dumped, invalid UTF-8 replaced

 private:
  struct Choice {
    std::string text;  // completion so far (without the echoed prompt)
    std::vector<TokenLogprob> logprobs;
    int tokens = 0;
    FinishReason finish_reason = FinishReason::kNone;
    std::optional<std::string> stop_string;
    std::optional<std::int32_t> stop_token;
    bool started = false;  // the first stream chunk (role / echo) went out
  };
  struct Prompt {
    std::string text;  // for echo
    std::vector<Choice> choices;
    int prompt_tokens = 0;
    int cached_tokens = 0;
    int completion_tokens = 0;
    bool finished = false;
  };
  nlohmann::ordered_json chunk_base() const;
  nlohmann::ordered_json usage_json() const;
  nlohmann::ordered_json logprobs_json(const std::vector<TokenLogprob>& logprobs, std::size_t text_offset) const;
  nlohmann::ordered_json stop_reason_json(const std::optional<std::string>& stop_string,
                                          const std::optional<std::int32_t>& stop_token) const;
  std::string stream_chunk(std::size_t prompt_index, const ChoiceDelta& delta, Choice& choice);

  Endpoint endpoint_;
  std::string id_;
  std::string model_name_;
  std::int64_t created_;
  const Tokenizer* tokenizer_;
  int n_;
  bool stream_;
  bool include_usage_;
  bool echo_;
  bool logprobs_;
  std::vector<std::int32_t> stop_token_ids_;
  std::vector<Prompt> prompts_;
  std::optional<Status> failure_;
};

}  // namespace servir::server
