// Incremental parser for a text/event-stream body (the WHATWG "server-sent
// events" format that OpenAI-compatible servers stream completions in).
//
// Bytes arrive in arbitrary pieces (TCP reads, HTTP chunks); feed() takes
// each piece as it comes and calls back once per complete event, so a line
// or even a "\r\n" split across two reads parses the same as in one read.
// Lines end in "\n", "\r\n" or "\r". An event is the "data:" lines before a
// blank line, joined with "\n"; ":" lines are comments; "event:" names the
// event; other fields (id, retry) are ignored. Header-only: the unit tests
// link it without the rest of the app.
//
// Not thread-safe; one parser per response.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace servir::app {

struct SseEvent {
  std::string event;  // "" unless an "event:" line named it
  std::string data;   // the data lines joined with "\n"
};

class SseParser {
 public:
  // A line longer than max_line_bytes fails the parser (a stream that never
  // sends a newline must not grow memory without bound).
  explicit SseParser(std::size_t max_line_bytes = std::size_t{16} << 20) : max_line_bytes_(max_line_bytes) {}

  // Parses one piece of the body; on_event(const SseEvent&) runs for each
  // event the piece completes. Returns false once the parser has failed.
  template <typename OnEvent>
  bool feed(std::string_view bytes, OnEvent&& on_event) {
    if (failed_) return false;
    for (char c : bytes) {
      if (after_cr_) {
        after_cr_ = false;
        if (c == '\n') continue;  // the "\n" of a "\r\n" that a read split
      }
      if (c == '\n' || c == '\r') {
        after_cr_ = c == '\r';
        end_line(on_event);
        continue;
      }
      if (line_.size() >= max_line_bytes_) {
        failed_ = true;
        return false;
      }
      line_.push_back(c);
    }
    return true;
  }

  // End of the body. The spec drops an event that no blank line closed; a
  // load generator is lenient and delivers its complete "data:" lines
  // anyway (an unterminated last line is still dropped).
  template <typename OnEvent>
  void finish(OnEvent&& on_event) {
    if (failed_) return;
    if (has_data_) dispatch(on_event);
  }

  bool failed() const { return failed_; }

 private:
  template <typename OnEvent>
  void end_line(OnEvent& on_event) {
    std::string_view line = line_;
    if (line.empty()) {
      if (has_data_) dispatch(on_event);
      event_.event.clear();
    } else if (line.front() != ':') {
      const std::size_t colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "data") {
        if (has_data_) event_.data.push_back('\n');
        event_.data.append(value);
        has_data_ = true;
      } else if (field == "event") {
        event_.event.assign(value);
      }
    }
    line_.clear();
  }

  template <typename OnEvent>
  void dispatch(OnEvent& on_event) {
    on_event(static_cast<const SseEvent&>(event_));
    event_.data.clear();
    event_.event.clear();
    has_data_ = false;
  }

  std::size_t max_line_bytes_;
  std::string line_;
  SseEvent event_;
  bool has_data_ = false;
  bool after_cr_ = false;
  bool failed_ = false;
};

}  // namespace servir::app
