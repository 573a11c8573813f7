// Just enough URL handling for messages, for joining a path and for
// percent-encoding and -decoding: no validation beyond splitting
// (libcurl parses for real). DisplayUrl is the one way a URL is shown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace irsa {

struct UrlParts {
  std::string_view scheme;     // "https", empty when there is no "://"
  std::string_view userinfo;   // before '@' in the authority; may hold a password
  std::string_view authority;  // host[:port], without the userinfo
  std::string_view path;       // from the first '/' after the authority, may be empty
  std::string_view query;      // after '?' (fragment removed), may be empty
};

UrlParts SplitUrl(std::string_view url);

// "scheme://host[:port]/path": never the userinfo or the query, which may
// carry credentials. Safe for messages and logs.
std::string DisplayUrl(std::string_view url);

// RFC 3986 unreserved: A-Z a-z 0-9 - _ . ~
bool IsUnreserved(char c);

// RFC 3986 percent-encoding (as SigV4 and form bodies want it): every byte but
// the unreserved ones becomes %XX with upper-case hex; '/' is kept when
// `keep_slash`.
std::string PercentEncode(std::string_view in, bool keep_slash = false);

// The same, appended to `*out`, and the size it will add: a caller encoding a
// secret reserves the exact size first so the buffer never reallocates
// (which would leave copies of the secret in freed memory).
void AppendPercentEncoded(std::string_view in, std::string* out, bool keep_slash = false);
size_t PercentEncodedSize(std::string_view in, bool keep_slash = false);

// `in` with every %XX escape (either case of hex) decoded into `*out`; false
// on a '%' without two hex digits after it (`*out` then holds a prefix).
bool PercentDecode(std::string_view in, std::string* out);

// `base` without query or fragment, without trailing '/', then `path`
// (which starts with '/'). The userinfo is kept: it is for the request.
std::string JoinUrlPath(std::string_view base, std::string_view path);

// Whether the host of `authority` ("host[:port]", no userinfo) is loopback:
// localhost, 127.0.0.0/8 written as a dotted quad, or [::1].
bool IsLoopbackAuthority(std::string_view authority);

// A service origin given by the setting `name` (eks-endpoint, iam-endpoint):
// scheme://host[:port], optionally with a path of only '/', no user info,
// query or fragment; https, or plain http to a loopback host only (a session
// token travels in a header). Sets `*host` (the authority, the Host header)
// and `*base` (scheme://authority); false with one line in `*err`.
bool ParseServiceOrigin(std::string_view name, std::string_view url, std::string* host,
                        std::string* base, std::string* err);

}  // namespace irsa
