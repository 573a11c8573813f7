// Just enough URL handling for messages and for joining a path: no
// percent-decoding, no validation beyond splitting (libcurl parses for real).
#pragma once

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

// `base` without query or fragment, without trailing '/', then `path`
// (which starts with '/'). The userinfo is kept: it is for the request.
std::string JoinUrlPath(std::string_view base, std::string_view path);

// Whether the host of `authority` ("host[:port]", no userinfo) is loopback:
// localhost, 127.0.0.0/8 written as a dotted quad, or [::1].
bool IsLoopbackAuthority(std::string_view authority);

}  // namespace irsa
