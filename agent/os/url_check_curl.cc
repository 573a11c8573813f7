// CurlAcceptsUrl: libcurl's own URL parser (the CURLU API, libcurl >= 7.80
// for curl_url_strerror), with the flags an easy handle's CURLOPT_URL uses.

#include <curl/curl.h>

#include <memory>

#include "irsa_agent/url_check.h"

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

}  // namespace irsa
