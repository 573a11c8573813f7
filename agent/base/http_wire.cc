#include "base/http_wire.h"

#include <algorithm>

namespace irsa {

namespace {

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ParseRequestLine(std::string_view line, RequestHead* out) {
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
  // No control byte: a NUL would cut the path short wherever it meets C.
  if (std::any_of(target.begin(), target.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return false;
  }
  out->method = std::string(method);
  out->path = std::string(target.substr(0, target.find('?')));
  return true;
}

bool ParseHeaderLine(std::string_view line, RequestHead* out) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
  std::string_view value = line.substr(colon + 1);
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  out->headers.emplace_back(std::move(lower), std::string(value));
  return true;
}

}  // namespace

std::optional<std::string_view> RequestHead::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

bool ParseRequestHead(std::string_view head, RequestHead* out) {
  *out = RequestHead();
  size_t end = head.find("\r\n");
  if (!ParseRequestLine(head.substr(0, end), out)) return false;
  while (end != std::string_view::npos) {
    const size_t start = end + 2;
    end = head.find("\r\n", start);
    if (!ParseHeaderLine(head.substr(start, end == std::string_view::npos ? end : end - start),
                         out)) {
      return false;
    }
  }
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
