// Idle libcurl easy handles kept between exchanges (internal to the libcurl
// shell, for NewKeepAliveCurlHttpClient): a handle keeps its open connections
// and TLS sessions across curl_easy_reset, which forgets every option, so no
// pointer into a finished exchange stays set. Handles are kept by trust key
// (extra CA file, whether only it is trusted, proxy or not): a connection
// verified against one CA file is never handed to a request that names
// another. Thread-safe.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "irsa_agent/http.h"

namespace irsa {

class CurlHandlePool {
 public:
  explicit CurlHandlePool(size_t max_idle) : max_idle_(max_idle) {}
  ~CurlHandlePool();
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // The trust key of `request`.
  static std::string KeyOf(const HttpRequest& request);
  // An idle handle for `key` (the caller owns it), or nullptr when there is none.
  CURL* Take(const std::string& key);
  // Resets `handle` and keeps it for `key` while fewer than max_idle are
  // kept, else cleans it up (closing its connections).
  void Give(const std::string& key, CURL* handle);

 private:
  const size_t max_idle_;
  std::mutex mutex_;
  size_t count_ = 0;
  std::map<std::string, std::vector<CURL*>> idle_;
};

}  // namespace irsa
