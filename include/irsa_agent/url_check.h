// URLs checked with the parser libcurl itself uses (curl_url), so a URL that
// passes the settings' grammar but that libcurl would refuse at the first
// request is refused at start instead (exit 2, not a retry forever).
// settings/url_settings.h applies it to every URL setting.
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// True when libcurl's URL parser accepts `url`; else false with libcurl's
// reason in `*why` ("Port number was not a decimal number between 0 and 65535").
bool CurlAcceptsUrl(std::string_view url, std::string* why);

}  // namespace irsa
