#include "util/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <future>
#include <memory>
#include <thread>

namespace servir {

void init_logging(std::string_view level) {
  // Asynchronous, dropping the oldest queued line when full: a logging
  // thread (an HTTP I/O thread, the engine loop, the SIGTERM drain) never
  // waits on a stderr pipe that nobody reads. main() drains the queue
  // (spdlog::shutdown) before exiting.
  constexpr std::size_t kQueuedLines = 8192;
  spdlog::init_thread_pool(kQueuedLines, 1);
  auto logger =
      std::make_shared<spdlog::async_logger>("servir", std::make_shared<spdlog::sinks::stderr_color_sink_mt>(),
                                             spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
}

bool shutdown_logging(std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([done] {
    spdlog::shutdown();
    done->set_value();
  }).detach();
  return finished.wait_for(timeout) == std::future_status::ready;
}

}  // namespace servir
