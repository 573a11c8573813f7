// CurlAcceptsUrl: libcurl's own URL parser (the CURLU API, libcurl >= 7.80
// for curl_url_strerror), with the flags an easy handle's CURLOPT_URL uses.

#include "base/url.h"

#include <curl/curl.h>

#include <memory>

#include "os/url_check.h"

namespace irsa {

bool CurlAcceptsUrl(std::string_view url, std::string* why) {
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  if (!handle) {
    *why = "out of memory";
    return false;
  }
  const std::string text(url);
  const CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0);
  if (code != CURLUE_OK) {
    *why = curl_url_strerror(code);
    return false;
  }
  return true;
}

bool CheckUrlSettings(const Settings& settings, std::string* err) {
  const struct {
    const char* name;
    const std::string& url;
  } urls[] = {{"endpoint", settings.endpoint},
              {"api-proxy", settings.api_proxy},
              {"sts-endpoint", settings.sts_endpoint}};
  for (const auto& [name, url] : urls) {
    std::string why;
    if (url.empty() || CurlAcceptsUrl(url, &why)) continue;
    const auto origin = settings.origin.find(name);
    const std::string where = origin == settings.origin.end() ? "" : " (" + origin->second + ")";
    *err = std::string(name) + where + ": '" + DisplayUrl(url) +
           "' is not a URL libcurl accepts: " + why;
    return false;
  }
  return true;
}

}  // namespace irsa
