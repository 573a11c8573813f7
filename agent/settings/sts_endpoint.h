// The sts-endpoint setting (or AWS_ENDPOINT_URL_STS) as the commands that call
// STS, or write it into credential_process lines, need it. Checked once, when
// the settings are read, so every such command refuses it the same way (exit
// 2) and none writes an unusable or secret-bearing URL into a config file.
#pragma once

#include <string>

#include "settings/settings.h"

namespace irsa {

// Whether `invocation`'s command uses sts-endpoint: `credentials` and `reap`
// always; `once` and `run` when they write process-style profiles or serve
// credentials on a listener (a non-empty `credentials-listen`); `doctor` with
// --sts. `status`, `profiles`, `install`, `help` and `version` never do. A
// command this file does not know (one added later) counts as a user.
bool UsesStsEndpoint(const Invocation& invocation);

// Checks a non-empty sts-endpoint: no user info, no query or fragment, a host,
// a path of plain segments (no `.`, `..` or empty segment), and https:// unless
// the host is loopback (the web identity token or a signature travels in the
// body). On failure `*err` names the setting and where it came from, and shows
// the URL through DisplayUrl (never its user info or query).
bool CheckStsEndpoint(const Settings& settings, std::string* err);

}  // namespace irsa
