// The bytes of the agent's minimal HTTP/1.1 (pure): the listener's request
// head in and response head out (see irsa_agent/listener.h for the
// connection rules), and the one response parser its own client reads the
// broker's answers with (os/unix_client.h).
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

enum class ResponseProgress {
  kIncomplete,  // more bytes are needed
  kComplete,    // a final answer and its whole body are there
  kMalformed,   // not an answer this parser reads (`error` says why)
};

// Where the final answer is in the bytes given: offsets, so the body (which
// may hold credentials) is never copied here.
struct ResponseParse {
  ResponseProgress progress = ResponseProgress::kIncomplete;
  int status = 0;         // the final answer's status (kComplete)
  size_t interim = 0;     // interim 1xx answers (e.g. 102 Processing) read before it
  size_t body_start = 0;  // kComplete: the body is raw.substr(body_start, body_size)
  size_t body_size = 0;
  std::string error;  // kMalformed: one line, never quoting the bytes
};

// Reads `raw`, the bytes of an HTTP/1.x answer received so far; `at_eof`:
// the peer has closed, no more will come. Interim answers (status 100 to 199
// but 101, head only) are counted and skipped. The final answer's status line
// is `HTTP/1.x NNN[ reason]`, its header lines as in ParseRequestHead; its
// body is Content-Length bytes (one value, digits only; extra bytes after it
// are ignored) or, without one, everything up to the end. Transfer-Encoding
// is refused (the agent never sends it). kIncomplete while the head or body
// is still short and `!at_eof`; kMalformed when short at the end.
ResponseParse ParseResponse(std::string_view raw, bool at_eof);

}  // namespace irsa
