// CHECK / DCHECK: for broken internal invariants only (never for bad input,
// which gets a Status). A failed check prints file, line, the condition and a
// streamed message, then aborts.
//
//   CHECK(n <= capacity) << "block table overflow: " << n;
#pragma once

#include <sstream>

namespace servir::detail {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;

  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

// Lets `CHECK(x) << ...` be a single expression whose stream part is only
// evaluated when the check fails.
struct CheckVoidify {
  void operator&(const CheckFailure&) {}
};

}  // namespace servir::detail

#define CHECK(condition) \
  (condition) ? (void)0  \
              : ::servir::detail::CheckVoidify() & ::servir::detail::CheckFailure(__FILE__, __LINE__, #condition)

#ifdef NDEBUG
#define DCHECK(condition) \
  while (false) CHECK(condition)
#else
#define DCHECK(condition) CHECK(condition)
#endif
