// The versions of the libraries this binary runs with, as they report
// themselves at run time (for `irsa-agent version`).
#pragma once

#include <string>

namespace irsa {

struct LibraryVersions {
  std::string curl;      // "8.5.0"
  std::string curl_tls;  // libcurl's TLS backend: "OpenSSL/3.0.11"
  std::string openssl;   // "OpenSSL 3.0.11 19 Sep 2023"
};

LibraryVersions RunningLibraryVersions();

}  // namespace irsa
