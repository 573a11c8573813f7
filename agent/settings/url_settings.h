// The URL settings checked, at settings time, with the parser the HTTP client
// will use (passed in: libcurl's is irsa_agent/url_check.h), so a URL libcurl
// would refuse at the first request stops the command at start (exit 2).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "settings/settings.h"

namespace irsa {

// True when the client's URL parser accepts `url`; else false with its
// reason in `*why`.
using UrlAccepts = std::function<bool(std::string_view url, std::string* why)>;

// Checks every URL setting that is set (endpoint, api-proxy, sts-endpoint)
// with `accepts`. On failure, `*err` names the setting, where it came from
// and the URL without userinfo or query.
bool CheckUrlSettings(const Settings& settings, const UrlAccepts& accepts, std::string* err);

}  // namespace irsa
