#include "base/url.h"

#include "base/text.h"

namespace irsa {

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  url = url.substr(0, url.find('#'));
  if (const size_t q = url.find('?'); q != std::string_view::npos) {
    parts.query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  if (const size_t s = url.find("://"); s != std::string_view::npos) {
    parts.scheme = url.substr(0, s);
    url.remove_prefix(s + 3);
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  parts.path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    parts.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  parts.authority = authority;
  return parts;
}

std::string DisplayUrl(std::string_view url) {
  const UrlParts p = SplitUrl(url);
  std::string out;
  if (!p.scheme.empty()) out.append(p.scheme).append("://");
  out.append(p.authority).append(p.path);
  return out;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

size_t PercentEncodedSize(std::string_view in, bool keep_slash) {
  size_t size = 0;
  for (char c : in) size += IsUnreserved(c) || (keep_slash && c == '/') ? 1 : 3;
  return size;
}

void AppendPercentEncoded(std::string_view in, std::string* out, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : in) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out->push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out->push_back('%');
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0x0F]);
    }
  }
}

std::string PercentEncode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(PercentEncodedSize(in, keep_slash));
  AppendPercentEncoded(in, &out, keep_slash);
  return out;
}

std::string JoinUrlPath(std::string_view base, std::string_view path) {
  base = base.substr(0, base.find_first_of("?#"));
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + std::string(path);
}

bool IsLoopbackAuthority(std::string_view authority) {
  std::string_view host = authority;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = host.substr(close + 1);
    return host.substr(0, close + 1) == "[::1]" && (rest.empty() || rest.starts_with(':'));
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3 && !host.ends_with('.') && host.find("..") == std::string_view::npos;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
    if (lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool ParseServiceOrigin(std::string_view name, std::string_view url, std::string* host,
                        std::string* base, std::string* err) {
  const UrlParts parts = SplitUrl(url);
  if (!parts.userinfo.empty() || !parts.query.empty() || url.find('#') != std::string_view::npos ||
      parts.path.find_first_not_of('/') != std::string_view::npos || parts.authority.empty()) {
    *err = std::string(name) + " " + DisplayUrl(url) +
           ": must be scheme://host[:port] without user info, path, query or fragment";
    return false;
  }
  if (parts.scheme != "https" && !IsLoopbackAuthority(parts.authority)) {
    *err = std::string(name) + " " + DisplayUrl(url) +
           ": plain http only to loopback (the session token travels in a header)";
    return false;
  }
  *host = parts.authority;
  *base = std::string(parts.scheme) + "://" + std::string(parts.authority);
  return true;
}

}  // namespace irsa
