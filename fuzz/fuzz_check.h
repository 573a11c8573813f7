// Helpers shared by the fuzz targets: an invariant check that stops the
// fuzzer with a message (libFuzzer then saves the input as a crash), and the
// properties every parser's error message must have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace irsa::fuzz {

// Aborts with `what` when `ok` is false. Messages name the invariant, never
// the input: libFuzzer writes the input to a crash file anyway.
inline void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// One line of printable ASCII: what every message may hold, since messages go
// to logs and terminals (inputs are shown through Printable()).
inline bool IsPrintableLine(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Whether `message` holds more than `max_run` consecutive bytes of `input`
// that are not also in `vocabulary` (the fixed text the messages are made
// of, so an input that happens to contain message words is no finding): a
// message about a secret (a token, credentials) may quote none of it.
inline bool QuotesInput(std::string_view message, std::string_view input, size_t max_run,
                        std::string_view vocabulary) {
  if (message.size() <= max_run) return false;
  for (size_t i = 0; i + max_run < message.size(); ++i) {
    const std::string_view window = message.substr(i, max_run + 1);
    if (input.find(window) != std::string_view::npos &&
        vocabulary.find(window) == std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// Takes the first byte of `*data` (0 when empty) to steer a target.
inline uint8_t TakeByte(const uint8_t** data, size_t* size) {
  if (*size == 0) return 0;
  const uint8_t b = **data;
  ++*data;
  --*size;
  return b;
}

}  // namespace irsa::fuzz
