// URL settings checked with the parser libcurl itself uses (curl_url), so a
// URL that passes the settings' grammar but that libcurl would refuse at the
// first request is refused at start instead (exit 2, not a retry forever).
#pragma once

#include <string>
#include <string_view>

#include "settings/settings.h"

namespace irsa {

// True when libcurl's URL parser accepts `url`; else false with libcurl's
// reason in `*why` ("Port number was not a decimal number between 0 and 65535").
bool CurlAcceptsUrl(std::string_view url, std::string* why);

// Checks every URL setting that is set (endpoint, api-proxy, sts-endpoint)
// with CurlAcceptsUrl. On failure, `*err` names the setting, where it came
// from and the URL without userinfo or query.
bool CheckUrlSettings(const Settings& settings, std::string* err);

}  // namespace irsa
