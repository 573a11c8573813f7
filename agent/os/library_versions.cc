// RunningLibraryVersions: curl_version_info and OpenSSL_version.

#include "os/library_versions.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

namespace irsa {

LibraryVersions RunningLibraryVersions() {
  LibraryVersions out;
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info != nullptr) {
    out.curl = info->version != nullptr ? info->version : "";
    out.curl_tls = info->ssl_version != nullptr ? info->ssl_version : "";
  }
  const char* openssl = OpenSSL_version(OPENSSL_VERSION);
  out.openssl = openssl != nullptr ? openssl : "";
  return out;
}

}  // namespace irsa
