// The bytes of the listener's minimal HTTP/1.1 (pure): the request line in,
// the response head out. See irsa_agent/listener.h for the connection rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace irsa {

struct RequestLine {
  std::string method;
  std::string path;  // the target without its query string; not percent-decoded
};

// "GET /path?query HTTP/1.1" (without CRLF). Returns false when the method is
// not 1+ uppercase letters, the target does not start with '/', or the
// version does not start with "HTTP/".
bool ParseRequestLine(std::string_view line, RequestLine* out);

// "OK", "Not Found", ... for the statuses the agent sends; "Status" otherwise.
std::string_view ReasonPhrase(int status);

// The status line and headers of an answer that closes the connection:
// Content-Type (CR and LF dropped), Content-Length, Cache-Control: no-store
// (answers may hold credentials), Connection: close, then the blank line.
std::string ResponseHead(int status, std::string_view content_type, size_t content_length);

}  // namespace irsa
