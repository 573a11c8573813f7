// sts-endpoint: which commands use it and what a usable value looks like
// (docs/SECURITY.md, "Where credentials travel").

#include "settings/sts_endpoint.h"

#include <algorithm>
#include <string_view>

#include "base/url.h"
#include "settings/settings_table.h"

namespace irsa {
namespace {

// A setting another part of the agent may add (credentials-listen): set when
// its row exists and its value is not empty.
bool IsSet(const Settings& settings, std::string_view name) {
  const SettingRow* row = FindSettingRow(name);
  return row != nullptr && !FormatSettingValue(*row, settings).empty();
}

// "/" or "/seg/seg" of RFC 3986 unreserved characters, no empty, "." or ".."
// segment: what the STS client signs without encoding.
bool IsPlainPath(std::string_view path) {
  if (path.empty()) return true;
  if (path[0] != '/') return false;
  size_t start = 1;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (!std::all_of(segment.begin(), segment.end(), IsUnreserved)) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

bool UsesStsEndpoint(const Invocation& invocation) {
  const Settings& s = invocation.settings;
  switch (invocation.command) {
    case Command::kOnce:
    case Command::kRun:
      return s.profile_style == ProfileStyle::kProcess || IsSet(s, "credentials-listen");
    case Command::kDoctor:  // --mapping-service: the service's own credentials may use STS
      return invocation.sts || invocation.mapping_service;
    case Command::kStatus:
    case Command::kProfiles:
    case Command::kInstall:
    case Command::kHelp:
    case Command::kVersion:
      return false;
    default:  // credentials, reap, and any command added later
      return true;
  }
}

bool CheckStsEndpoint(const Settings& settings, std::string* err) {
  const std::string& url = settings.sts_endpoint;
  if (url.empty()) return true;
  const UrlParts parts = SplitUrl(url);
  std::string why;
  if (parts.authority.empty()) {
    why = "needs a host";
  } else if (!parts.userinfo.empty()) {
    why = "must not carry user info (it would be written into every credential_process line)";
  } else if (url.find_first_of("?#") != std::string::npos) {
    why = "a query or fragment is not supported";
  } else if (!IsPlainPath(parts.path)) {
    why = "the path must be / or plain segments of A-Z a-z 0-9 - _ . ~ (no . or ..)";
  } else if (parts.scheme != "https" && !IsLoopbackAuthority(parts.authority)) {
    why = "plain http only to loopback (the web identity token would cross the network in clear)";
  } else {
    return true;
  }
  const auto origin = settings.origin.find("sts-endpoint");
  const std::string where = origin == settings.origin.end() ? "" : " (" + origin->second + ")";
  *err = "sts-endpoint" + where + ": '" + DisplayUrl(url) + "': " + why;
  return false;
}

}  // namespace irsa
