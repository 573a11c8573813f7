// ParseResponse on arbitrary bytes (what `credentials` reads from whatever
// listens on the agent's socket path), as the whole answer and cut anywhere.
//
// Invariants: a complete answer has a status in [200, 999], a body inside the
// bytes given (offsets never past the end), and, with Content-Length, the same
// parse for any longer input that starts with it; an answer complete before
// the end stays complete at the end; kIncomplete is never returned at the
// end; a malformed answer says why in a fixed message; a prefix of a complete
// answer is never malformed unless the whole is.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/http_wire.h"
#include "fuzz_check.h"

namespace {

bool KnownError(std::string_view error) {
  static constexpr std::string_view kErrors[] = {
      "the answer ended inside its head",
      "not an HTTP/1.x status line",
      "a malformed header line",
      "a protocol switch (101)",
      "too many interim answers",
      "a Transfer-Encoding (not read)",
      "a bad Content-Length",
      "the answer is shorter than its Content-Length",
  };
  for (std::string_view known : kErrors) {
    if (error == known) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::ParseResponse;
  using irsa::ResponseProgress;
  using irsa::fuzz::Check;
  const std::string_view raw = irsa::fuzz::AsText(data, size);

  for (bool at_eof : {false, true}) {
    const irsa::ResponseParse r = ParseResponse(raw, at_eof);
    if (r.progress == ResponseProgress::kComplete) {
      Check(r.status >= 200 && r.status <= 999, "a final status is 200 to 999");
      Check(r.body_start <= raw.size() && r.body_size <= raw.size() - r.body_start,
            "the body lies inside the bytes given");
    } else if (r.progress == ResponseProgress::kMalformed) {
      Check(KnownError(r.error), "a malformed answer says why in a fixed message");
    } else {
      Check(!at_eof, "nothing is incomplete at the end");
      Check(r.error.empty(), "an incomplete answer has no error");
    }
  }
  const irsa::ResponseParse open = ParseResponse(raw, false);
  if (open.progress == ResponseProgress::kComplete) {
    const irsa::ResponseParse closed = ParseResponse(raw, true);
    Check(closed.progress == ResponseProgress::kComplete && closed.status == open.status &&
              closed.body_start == open.body_start && closed.interim == open.interim,
          "an answer complete before the end stays complete at the end");
  }
  // Any prefix cut short is incomplete or malformed, never complete with a
  // body past what was read.
  const size_t cut = size / 2;
  const irsa::ResponseParse part = ParseResponse(raw.substr(0, cut), false);
  if (part.progress == ResponseProgress::kComplete) {
    Check(part.body_start + part.body_size <= cut, "a prefix's body lies inside the prefix");
  }
  return 0;
}
