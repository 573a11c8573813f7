// ParseRequestHead on arbitrary bytes (the listener's request heads, from any
// local process), and ResponseHead with an arbitrary content type.
//
// Invariants: an accepted head has an uppercase method, a path that starts
// with '/' and holds no '?', space, CR, LF or NUL; header names are non-empty
// lower-case tokens, values hold no CR, LF or NUL and no surrounding spaces
// or tabs; Header() finds every name's first value; parsing into a used
// RequestHead equals parsing into a fresh one. A response head is one status
// line and five header lines, whatever the content type holds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/http_wire.h"
#include "fuzz_check.h"

namespace {

bool NoLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const std::string_view text = irsa::fuzz::AsText(data, size);

  const std::string head = irsa::ResponseHead(200, text, size);
  Check(std::count(head.begin(), head.end(), '\n') == 6, "a response head has six lines");
  Check(head.find("\r\n\r\n") == head.size() - 4, "the blank line ends the response head");

  irsa::RequestHead out;
  if (!irsa::ParseRequestHead(text, &out)) return 0;
  Check(!out.method.empty(), "the method is not empty");
  Check(std::all_of(out.method.begin(), out.method.end(),
                    [](char c) { return c >= 'A' && c <= 'Z'; }),
        "the method is uppercase letters");
  Check(!out.path.empty() && out.path.front() == '/', "the path starts with /");
  Check(out.path.find_first_of(std::string_view("? \r\n\0", 5)) == std::string::npos,
        "the path holds no query, space, line break or NUL");
  for (const auto& [name, value] : out.headers) {
    Check(!name.empty(), "a header name is not empty");
    Check(std::none_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || c <= ' ' || c == ':'; }),
          "a header name is a lower-case token");
    Check(NoLineBreakOrNul(value), "a header value holds no line break or NUL");
    Check(value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                            value.back() != '\t'),
          "a header value is trimmed");
    Check(out.Header(name).has_value(), "Header() finds every name");
  }
  irsa::RequestHead again;
  again.headers.emplace_back("stale", "x");
  Check(irsa::ParseRequestHead(text, &again), "parsing is deterministic");
  Check(again.method == out.method && again.path == out.path && again.headers == out.headers,
        "parsing into a used RequestHead equals parsing into a fresh one");
  return 0;
}
