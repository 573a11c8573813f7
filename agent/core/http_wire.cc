#include "core/http_wire.h"

#include <algorithm>

namespace irsa {

bool ParseRequestLine(std::string_view line, RequestLine* out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") return false;
  const std::string_view method = line.substr(0, sp1);
  if (!std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return false;
  }
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target.front() != '/') return false;
  out->method = std::string(method);
  out->path = std::string(target.substr(0, target.find('?')));
  return true;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string ResponseHead(int status, std::string_view content_type, size_t content_length) {
  std::string type(content_type);
  type.erase(
      std::remove_if(type.begin(), type.end(), [](char c) { return c == '\r' || c == '\n'; }),
      type.end());
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(ReasonPhrase(status)) +
         "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(content_length) +
         "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
}

}  // namespace irsa
