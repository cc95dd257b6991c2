#include "server/completion_call.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <ctime>
#include <map>
#include <optional>

#include "server/json_body.h"
#include "server/moderation_call.h"
#include "server/openai_response.h"
#include "server/router.h"
#include "server/sse_writer.h"

namespace servir::server {
namespace {

double ms_between(EngineClock::time_point from, EngineClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Status 499 (nginx's "client closed request") marks, in the access log
// only, requests whose client left before the response ended.
constexpr int kClientClosedStatus = 499;

// One HTTP completion request in flight. Lives while the engine may still
// call its sinks or the router's in-flight registry may abort it; all its
// mutable state is touched only on the connection's strand.
class CompletionCall : public std::enable_shared_from_this<CompletionCall> {
 public:
  CompletionCall(ServerContext& ctx, GenerationBackend& backend, const ServedModel& model, ParsedRequest parsed,
                 RequestInfo info, std::shared_ptr<HttpExchange> exchange, std::int64_t charged_tokens,
                 std::string rate_client, HeaderList extra_headers, InputGuardOutcome input_guard)
      : ctx_(ctx),
        backend_(backend),
        parsed_(std::move(parsed)),
        info_(std::move(info)),
        exchange_(std::move(exchange)),
        accumulator_(
            parsed_, model,
            make_response_id(parsed_.endpoint, parsed_.request_id.empty() ? info_.request_id : parsed_.request_id),
            static_cast<std::int64_t>(std::time(nullptr))),
        charged_tokens_(charged_tokens),
        rate_client_(std::move(rate_client)),
        headers_(std::move(extra_headers)),
        input_guard_(std::move(input_guard)) {
    output_guarded_ = ctx_.guard != nullptr && input_guard_.policy != nullptr &&
                      (input_guard_.policy->output.active() || input_guard_.restore() != nullptr);
  }

  // On the strand. Submits every prompt; answers at once when one is refused.
  void start() {
    auto requests = parsed_.engine_requests(info_.engine_id);
    if (ctx_.options.request_timeout.count() > 0) {
      const auto deadline = EngineClock::now() + ctx_.options.request_timeout;
      for (auto& r : requests) r.deadline = deadline;
    }
    for (const auto& r : requests) engine_ids_.push_back(r.id);
    std::weak_ptr<CompletionCall> weak = weak_from_this();
    in_flight_token_ = ctx_.in_flight.add([weak] {
      if (auto self = weak.lock()) self->abort(/*for_shutdown=*/true);
    });

    for (std::size_t i = 0; i < requests.size(); ++i) {
      auto self = shared_from_this();
      OutputSink sink = [self, i](RequestOutput&& output) {
        // Engine thread: hand over and return.
        self->exchange_->run_on_strand(
            [self, i, output = std::move(output)]() mutable { self->on_output(i, std::move(output)); });
      };
      Status st = backend_.submit(std::move(requests[i]), std::move(sink));
      if (!st.ok()) {
        refuse(st, i);
        return;
      }
      ++unfinished_;
    }
    exchange_->set_on_cancel([weak] {
      if (auto self = weak.lock()) {
        self->client_gone_ = true;
        self->abort(/*for_shutdown=*/false);
      }
    });
    if (parsed_.stream) {
      HeaderList head_headers = headers_;
      head_headers.emplace_back("X-Request-Id", info_.request_id);
      exchange_->begin_stream(sse_response_head(std::move(head_headers)));
    }
  }

  // Any thread: ends the engine requests early.
  void abort(bool for_shutdown) {
    if (for_shutdown) shutdown_abort_ = true;
    for (const auto& id : engine_ids_) backend_.abort(id);
  }

 private:
  void refuse(const Status& status, std::size_t submitted) {
    refused_ = true;
    for (std::size_t j = 0; j < submitted; ++j) backend_.abort(engine_ids_[j]);
    int retry_after = 1;
    if (status.code() == ErrorCode::kResourceExhausted) {
      ctx_.metrics.count_rejection(reject_reason::kQueueFull);
      retry_after = queue_full_retry_after_seconds(backend_.stats());
    } else if (status.code() == ErrorCode::kContextLengthExceeded) {
      ctx_.metrics.count_rejection(reject_reason::kContextLength);
    } else if (status.code() == ErrorCode::kUnavailable) {
      ctx_.metrics.count_rejection(reject_reason::kNotReady);
    } else {
      ctx_.metrics.count_rejection(reject_reason::kInvalidRequest);
    }
    const ApiError error = api_error(status, {.request_id = info_.request_id});
    HttpResponse response = error_response(error, info_, retry_after);
    for (const auto& h : headers_) response.headers.push_back(h);
    exchange_->respond(std::move(response));
    ctx_.rate_limiter.refund(rate_client_, charged_tokens_);
    status_ = error.http_status;
    error_ = error.message;
    if (unfinished_ == 0) release();  // else once the aborted ones report back
  }

  void on_output(std::size_t index, RequestOutput output) {
    if (output.finished) {
      --unfinished_;
      if (index == 0 || !timings_) timings_ = output.timings;
    }
    for (const auto& choice : output.choices) {
      if (choice.finish_reason != FinishReason::kNone && finish_reason_.empty()) {
        finish_reason_ = finish_reason_name(choice.finish_reason);
      }
    }
    if (refused_) {
      if (unfinished_ == 0) release();
      return;
    }
    std::vector<std::string> guard_events;
    if (output_guarded_) guard_output(index, output, guard_events);
    auto chunks = accumulator_.add(index, output);
    for (auto& e : guard_events) chunks.push_back(std::move(e));
    if (parsed_.stream && !chunks.empty()) exchange_->write(sse_events(chunks));
    if (accumulator_.finished() && unfinished_ == 0) complete();
  }

  // Runs each choice's text through its output filter: held back,
  // redacted, restored, or cut with finish_reason "content_filter". A
  // blocked choice's later deltas are dropped; once every choice of an
  // engine request is blocked, the request is aborted.
  void guard_output(std::size_t index, RequestOutput& output, std::vector<std::string>& events) {
    const guard::Guard& g = *input_guard_.guard;
    const auto& policy = input_guard_.policy->output;
    bool any_blocked_now = false;
    for (auto it = output.choices.begin(); it != output.choices.end();) {
      auto key = std::make_pair(index, it->index);
      auto f = filters_.find(key);
      if (f == filters_.end()) {
        f = filters_
                .emplace(key, guard::OutputFilter(g, policy, static_cast<int>(index) * parsed_.sampling.n + it->index,
                                                  {.restore = input_guard_.restore()}))
                .first;
      }
      guard::OutputFilter& filter = f->second;
      if (filter.blocked()) {
        it = output.choices.erase(it);
        continue;
      }
      auto step = filter.push(it->text);
      std::string text = std::move(step.released);
      guard::GuardVerdict verdict = std::move(step.verdict);
      bool blocked = step.blocked;
      if (!blocked && it->finish_reason != FinishReason::kNone) {
        auto last = filter.finish();
        text += last.released;
        verdict.merge(std::move(last.verdict));
        blocked = last.blocked;
      }
      it->text = std::move(text);
      if (!verdict.decisions.empty() || verdict.scan_seconds > 0) {
        guard::AuditContext audit{info_.request_id, info_.key_id, info_.client, input_guard_.policy->name};
        report_guard_verdict(*ctx_.guard, verdict, audit, ctx_.metrics, guard::Direction::kOutput);
      }
      if (blocked) {
        any_blocked_now = true;
        it->finish_reason = FinishReason::kContentFilter;
        it->stop_string.reset();
        it->stop_token.reset();
        if (const auto* d = verdict.first_block()) {
          nlohmann::ordered_json why = {{"choice", static_cast<int>(index) * parsed_.sampling.n + it->index},
                                        {"direction", "output"},
                                        {"scanner", guard::scanner_name(d->finding.scanner)},
                                        {"type", d->finding.type},
                                        {"rule", d->finding.rule},
                                        {"action", "block"}};
          output_blocks_.push_back(why);
          if (parsed_.stream) events.push_back(accumulator_.annotation_chunk({{"servir_guard", why}}));
        }
      }
      output_verdict_.merge(std::move(verdict));
      ++it;
    }
    if (any_blocked_now && !output.finished) {
      int blocked = 0;
      for (const auto& [key, filter] : filters_) blocked += key.first == index && filter.blocked();
      if (blocked == parsed_.sampling.n) backend_.abort(engine_ids_[index]);
    }
  }

  void complete() {
    const auto& failure = accumulator_.failure();
    if (parsed_.stream) {
      status_ = 200;
      std::string tail;
      if (failure) {
        const ApiError error = api_error(*failure, {.request_id = info_.request_id});
        error_ = error.message;
        tail += sse_event(error.body());
      } else if (shutdown_abort_) {
        const ApiError error =
            api_error(Status(ErrorCode::kUnavailable, "The server is shutting down; the request was cut short."));
        error_ = error.message;
        tail += sse_event(error.body());
      }
      tail += kSseDone;
      exchange_->write(std::move(tail));
      exchange_->end_stream();
    } else if (failure || shutdown_abort_) {
      const ApiError error =
          failure
              ? api_error(*failure, {.request_id = info_.request_id})
              : api_error(Status(ErrorCode::kUnavailable, "The server is shutting down; the request was cut short."));
      HttpResponse response = error_response(error, info_);
      for (const auto& h : headers_) response.headers.push_back(h);
      exchange_->respond(std::move(response));
      status_ = error.http_status;
      error_ = error.message;
    } else {
      auto body = accumulator_.final_json();
      if (!output_blocks_.empty()) body["servir_guard"] = output_blocks_;
      HttpResponse response =
          json_response(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), info_);
      for (const auto& h : headers_) response.headers.push_back(h);
      if (auto value = guard_header_value(output_verdict_); !value.empty()) {
        response.headers.emplace_back("X-Servir-Guard-Output", std::move(value));
      }
      exchange_->respond(std::move(response));
      status_ = 200;
    }
    const UsageCounts usage = accumulator_.usage();
    ctx_.rate_limiter.refund(
        rate_client_, charged_tokens_ - static_cast<std::int64_t>(usage.prompt_tokens + usage.completion_tokens));
    release();
  }

  // Last step: the in-flight registry forgets the call, the access log
  // gets its line.
  void release() {
    ctx_.in_flight.remove(in_flight_token_);
    AccessRecord record;
    record.status = client_gone_ ? kClientClosedStatus : status_;
    record.stream = parsed_.stream;
    record.error = error_;
    record.finish_reason = finish_reason_;
    if (!refused_) {
      const UsageCounts usage = accumulator_.usage();
      record.prompt_tokens = usage.prompt_tokens;
      record.completion_tokens = usage.completion_tokens;
      record.cached_tokens = usage.cached_tokens;
    }
    if (timings_ && !refused_) {
      const auto& t = *timings_;
      if (t.first_scheduled >= t.arrival) record.queue_ms = ms_between(t.arrival, t.first_scheduled);
      if (t.first_token >= t.arrival && t.first_token.time_since_epoch().count() != 0) {
        record.ttft_ms = ms_between(t.arrival, t.first_token);
      }
    }
    if (ctx_.access_log->log_prompts()) {
      for (const auto& prompt : parsed_.prompts) record.prompt += prompt.text;
    }
    log_access(ctx_, info_, std::move(record));
  }

  ServerContext& ctx_;
  GenerationBackend& backend_;
  const ParsedRequest parsed_;
  const RequestInfo info_;
  const std::shared_ptr<HttpExchange> exchange_;
  ResponseAccumulator accumulator_;
  const std::int64_t charged_tokens_;
  const std::string rate_client_;
  const HeaderList headers_;             // X-Servir-Ignored-Fields, x-ratelimit-*, X-Servir-Guard
  const InputGuardOutcome input_guard_;  // the policy this request runs under, and its placeholders
  bool output_guarded_ = false;
  std::map<std::pair<std::size_t, int>, guard::OutputFilter> filters_;  // (prompt, choice) -> filter
  guard::GuardVerdict output_verdict_;
  nlohmann::ordered_json output_blocks_ = nlohmann::ordered_json::array();
  std::vector<std::string> engine_ids_;  // set before any submit, then read-only
  std::uint64_t in_flight_token_ = 0;
  std::atomic<bool> shutdown_abort_{false};
  std::atomic<bool> client_gone_{false};
  // Strand-only state.
  int unfinished_ = 0;  // submitted engine requests without their final output yet
  bool refused_ = false;
  int status_ = 0;
  std::string error_;
  std::string finish_reason_;
  std::optional<RequestTimings> timings_;
};

// Refuses before any engine request exists; logs it.
void refuse_early(ServerContext& ctx, const RequestInfo& info, const std::shared_ptr<HttpExchange>& exchange,
                  const ApiError& error, std::string_view reject_reason, HeaderList extra = {}, int retry_after = 1) {
  ctx.metrics.count_rejection(reject_reason);
  HttpResponse response = error_response(error, info, retry_after);
  for (auto& h : extra) response.headers.push_back(std::move(h));
  const int status = response.status;
  exchange->respond(std::move(response));
  AccessRecord record;
  record.status = status;
  record.error = error.message;
  log_access(ctx, info, std::move(record));
}

}  // namespace

namespace {
void continue_completion(ServerContext& ctx, Endpoint endpoint, const nlohmann::ordered_json& body_json,
                         RequestInfo info, const std::shared_ptr<HttpExchange>& exchange,
                         InputGuardOutcome input_guard);
void moderate_then_continue(ServerContext& ctx, Endpoint endpoint, nlohmann::ordered_json body, RequestInfo info,
                            const std::shared_ptr<HttpExchange>& exchange, InputGuardOutcome input_guard);
}  // namespace

void handle_completion(ServerContext& ctx, Endpoint endpoint, HttpRequest&& request, RequestInfo info,
                       const std::shared_ptr<HttpExchange>& exchange) {
  GenerationBackend* backend = ctx.backend.load();
  const ServedModel* model = ctx.model.load();
  const ServingState state = ctx.state.load();
  if (backend == nullptr || model == nullptr || state != ServingState::kReady) {
    const char* why = state == ServingState::kDraining ? "The server is shutting down." : "The model is still loading.";
    refuse_early(ctx, info, exchange, api_error(Status(ErrorCode::kUnavailable, why)), reject_reason::kNotReady);
    return;
  }
  auto body = parse_json_body(request.body, model->limits.max_json_depth);
  if (!body.ok()) {
    refuse_early(ctx, info, exchange, body.error(), reject_reason::kInvalidRequest);
    return;
  }
  InputGuardOutcome input_guard;
  if (ctx.guard != nullptr) {
    input_guard = guard_request_input(*ctx.guard, endpoint, *body, *model,
                                      {.request_id = info.request_id, .key_id = info.key_id, .client_ip = info.client},
                                      ctx.metrics);
    if (input_guard.refusal) {
      refuse_early(ctx, info, exchange, *input_guard.refusal, reject_reason::kContentPolicy,
                   {{"X-Servir-Guard", input_guard.header()}});
      return;
    }
    if (input_guard.policy->input.rule(guard::ScannerKind::kModeration).action != guard::GuardAction::kOff) {
      moderate_then_continue(ctx, endpoint, std::move(*body), std::move(info), exchange, std::move(input_guard));
      return;
    }
  }
  continue_completion(ctx, endpoint, *body, std::move(info), exchange, std::move(input_guard));
}

namespace {

void continue_completion(ServerContext& ctx, Endpoint endpoint, const nlohmann::ordered_json& body_json,
                         RequestInfo info, const std::shared_ptr<HttpExchange>& exchange,
                         InputGuardOutcome input_guard) {
  GenerationBackend* backend = ctx.backend.load();
  const ServedModel* model = ctx.model.load();
  const nlohmann::ordered_json* body = &body_json;
  auto parsed = parse_openai_request(endpoint, *body, *model);
  if (!parsed.ok()) {
    const bool context = parsed.error().error_code == ErrorCode::kContextLengthExceeded;
    refuse_early(ctx, info, exchange, parsed.error(),
                 context ? reject_reason::kContextLength : reject_reason::kInvalidRequest);
    return;
  }

  // Token logprobs carry the raw token text, which output redaction or a
  // content_filter cut would otherwise let through.
  if (parsed->sampling.logprobs && input_guard.policy != nullptr &&
      (input_guard.policy->output.max_action() >= guard::GuardAction::kRedact || input_guard.restore() != nullptr)) {
    refuse_early(ctx, info, exchange,
                 api_error(Status(ErrorCode::kUnsupported,
                                  "logprobs cannot be returned under this API key's guard policy, which may redact "
                                  "or cut the output."),
                           {.param = "logprobs"}),
                 reject_reason::kInvalidRequest);
    return;
  }

  HeaderList headers;  // X-Request-Id comes with every response anyway (json_response, error_response)
  if (auto ignored = parsed->ignored_fields_header(); !ignored.empty()) {
    headers.emplace_back("X-Servir-Ignored-Fields", std::move(ignored));
  }
  if (auto guard_header = input_guard.header(); !guard_header.empty()) {
    headers.emplace_back("X-Servir-Guard", std::move(guard_header));
  }

  // Rate limit: the prompt and everything it may generate, charged now.
  std::int64_t tokens = 0;
  for (const auto& prompt : parsed->prompts) {
    tokens += static_cast<std::int64_t>(prompt.token_ids.size()) +
              static_cast<std::int64_t>(prompt.max_tokens) * parsed->sampling.n;
  }
  std::string rate_client = info.key_id.empty() ? info.client : info.key_id;
  if (ctx.rate_limiter.enabled()) {
    const RateLimitDecision decision = ctx.rate_limiter.admit(rate_client, tokens);
    HeaderList rate_headers = decision.headers();
    if (!decision.allowed) {
      ctx.metrics.count_rate_limited();
      std::string message =
          decision.tokens_exceed_limit
              ? fmt::format(
                    "Request too large: it may use {} tokens (prompt + max_tokens x n), more than the limit "
                    "of {} tokens per minute. Lower max_tokens or the prompt.",
                    tokens, decision.limit_tokens)
              : fmt::format("Rate limit reached ({} requests, {} tokens per minute). Retry in {}.",
                            decision.limit_requests, decision.limit_tokens,
                            format_reset_duration(decision.retry_after_seconds));
      const ApiError error = api_error(Status(ErrorCode::kRateLimited, std::move(message)));
      int retry_after = 1;
      if (!decision.tokens_exceed_limit) retry_after = std::stoi(decision.retry_after_header());
      refuse_early(ctx, info, exchange, error, reject_reason::kRateLimited, std::move(rate_headers), retry_after);
      return;
    }
    for (auto& h : rate_headers) headers.push_back(std::move(h));
  }

  auto call =
      std::make_shared<CompletionCall>(ctx, *backend, *model, std::move(*parsed), std::move(info), exchange, tokens,
                                       std::move(rate_client), std::move(headers), std::move(input_guard));
  call->start();
}

// Asks the moderation model, then goes on (or refuses) on the strand.
void moderate_then_continue(ServerContext& ctx, Endpoint endpoint, nlohmann::ordered_json body, RequestInfo info,
                            const std::shared_ptr<HttpExchange>& exchange, InputGuardOutcome input_guard) {
  auto turns = moderation_turns(endpoint, body);
  auto state = std::make_shared<std::tuple<nlohmann::ordered_json, RequestInfo, InputGuardOutcome>>(
      std::move(body), info, std::move(input_guard));
  // The audit record names the message the verdict is about: the last user one.
  int judged_part = 0;
  if (const auto m = std::get<0>(*state).find("messages"); m != std::get<0>(*state).end() && m->is_array()) {
    for (std::size_t i = 0; i < m->size(); ++i) {
      const auto& msg = (*m)[i];
      if (!msg.is_object()) continue;
      const auto role = msg.find("role");
      if (role != msg.end() && role->is_string() && *role == "user") judged_part = static_cast<int>(i);
    }
  }
  Status st = moderate(
      ctx.moderation, std::move(turns), info.engine_id, exchange,
      [&ctx, endpoint, exchange, state, judged_part](std::vector<guard::Finding> findings, std::string judged) {
        auto& [req_body, req_info, outcome] = *state;
        guard::GuardVerdict verdict =
            outcome.guard->decide(judged, findings, outcome.policy->input,
                                  {.direction = guard::Direction::kInput, .part_index = judged_part});
        report_guard_verdict(*ctx.guard, verdict,
                             {.request_id = req_info.request_id,
                              .key_id = req_info.key_id,
                              .client_ip = req_info.client,
                              .policy = outcome.policy->name},
                             ctx.metrics, guard::Direction::kInput);
        const bool blocked = verdict.action == guard::GuardAction::kBlock;
        ApiError refusal = blocked ? guard_refusal(verdict, "messages") : ApiError{};
        outcome.verdict.merge(std::move(verdict));
        if (blocked) {
          refuse_early(ctx, req_info, exchange, refusal, reject_reason::kContentPolicy,
                       {{"X-Servir-Guard", outcome.header()}});
          return;
        }
        if (ctx.state.load() != ServingState::kReady) {
          refuse_early(ctx, req_info, exchange,
                       api_error(Status(ErrorCode::kUnavailable, "The server is shutting down.")),
                       reject_reason::kNotReady);
          return;
        }
        continue_completion(ctx, endpoint, req_body, req_info, exchange, std::move(outcome));
      });
  if (!st.ok()) {
    refuse_early(ctx, info, exchange, api_error(st, {.request_id = info.request_id}), reject_reason::kNotReady);
  }
}

}  // namespace

}  // namespace servir::server
