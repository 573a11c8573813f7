// The bytes of the listener's minimal HTTP/1.1 (pure): the request line in,
// the response head out. See irsa_agent/listener.h for the connection rules.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsa {

struct RequestHead {
  std::string method;
  std::string path;  // the target without its query string; not percent-decoded
  // In order; names lower-cased, values without surrounding spaces and tabs.
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of the first header named `lower_name` (lower case), if any.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

// The request line and header lines of a request head, CRLF-separated,
// without the final blank line ("GET /path?query HTTP/1.1\r\nHost: x").
// Returns false when the method is not 1+ uppercase letters, the target does
// not start with '/' or holds a control byte (NUL included), the version does not start with
// "HTTP/", or a header line is not `token ":" value` (folded lines and control characters other
// than tab in a value are refused).
bool ParseRequestHead(std::string_view head, RequestHead* out);

// "OK", "Not Found", ... for the statuses the agent sends; "Status" otherwise.
std::string_view ReasonPhrase(int status);

// The status line and headers of an answer that closes the connection:
// Content-Type (CR and LF dropped), Content-Length, Cache-Control: no-store
// (answers may hold credentials), Connection: close, then the blank line.
std::string ResponseHead(int status, std::string_view content_type, size_t content_length);

}  // namespace irsa
