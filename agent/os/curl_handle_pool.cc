#include "os/curl_handle_pool.h"

namespace irsa {

CurlHandlePool::~CurlHandlePool() {
  for (auto& [key, handles] : idle_) {
    for (CURL* h : handles) curl_easy_cleanup(h);
  }
}

std::string CurlHandlePool::KeyOf(const HttpRequest& request) {
  return std::string(request.no_proxy ? "direct" : "proxied") +
         (request.ca_file_only ? " only\n" : " added\n") + request.ca_file;
}

CURL* CurlHandlePool::Take(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  CURL* h = it->second.back();
  it->second.pop_back();
  --count_;
  return h;
}

void CurlHandlePool::Give(const std::string& key, CURL* handle) {
  curl_easy_reset(handle);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (count_ < max_idle_) {
      idle_[key].push_back(handle);
      ++count_;
      return;
    }
  }
  curl_easy_cleanup(handle);
}

}  // namespace irsa
