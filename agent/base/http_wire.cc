#include "base/http_wire.h"

#include <algorithm>
#include <utility>

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

namespace {

ResponseParse Malformed(std::string error) {
  ResponseParse out;
  out.progress = ResponseProgress::kMalformed;
  out.error = std::move(error);
  return out;
}

// "HTTP/1.x NNN[ reason]" → NNN, or -1.
int ParseStatusLine(std::string_view line) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return -1;
  }
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    status = status * 10 + (line[i] - '0');
  }
  for (char c : line.substr(12)) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return -1;
  }
  return status >= 100 ? status : -1;
}

}  // namespace

ResponseParse ParseResponse(std::string_view raw, bool at_eof) {
  constexpr size_t kMaxInterim = 16;  // a broker sends one; more is a loop
  ResponseParse out;
  size_t start = 0;
  for (;;) {
    const size_t head_end = raw.find("\r\n\r\n", start);
    if (head_end == std::string_view::npos) {
      if (!at_eof) return out;
      ResponseParse ended = Malformed("the answer ended inside its head");
      ended.interim = out.interim;
      return ended;
    }
    const std::string_view head = raw.substr(start, head_end - start);
    const size_t line_end = head.find("\r\n");
    const int status = ParseStatusLine(head.substr(0, line_end));
    if (status < 0) return Malformed("not an HTTP/1.x status line");
    RequestHead headers;
    for (size_t end = line_end; end != std::string_view::npos;) {
      const size_t from = end + 2;
      end = head.find("\r\n", from);
      if (!ParseHeaderLine(head.substr(from, end == std::string_view::npos ? end : end - from),
                           &headers)) {
        return Malformed("a malformed header line");
      }
    }
    start = head_end + 4;
    if (status == 101) return Malformed("a protocol switch (101)");
    if (status < 200) {
      if (++out.interim > kMaxInterim) return Malformed("too many interim answers");
      continue;
    }
    std::optional<size_t> length;
    for (const auto& [name, value] : headers.headers) {
      if (name == "transfer-encoding") return Malformed("a Transfer-Encoding (not read)");
      if (name != "content-length") continue;
      size_t n = 0;
      const bool digits =
          !value.empty() && value.size() <= 12 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) {
        for (char c : value) n = n * 10 + static_cast<size_t>(c - '0');
      }
      if (!digits || (length && *length != n)) return Malformed("a bad Content-Length");
      length = n;
    }
    const size_t have = raw.size() - start;
    if (length ? have < *length : !at_eof) {
      if (at_eof) return Malformed("the answer is shorter than its Content-Length");
      return out;
    }
    out.progress = ResponseProgress::kComplete;
    out.status = status;
    out.body_start = start;
    out.body_size = length ? *length : have;
    return out;
  }
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
