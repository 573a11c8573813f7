// Which certificates libcurl trusts (internal to the libcurl shell): the
// default CA store, plus certificates from an extra PEM file ADDED to it.
// CURLOPT_CAINFO cannot do that: it replaces the default bundle.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace irsa {

class CurlTrust {
 public:
  CurlTrust();
  ~CurlTrust();
  CurlTrust(const CurlTrust&) = delete;
  CurlTrust& operator=(const CurlTrust&) = delete;

  // Loads every certificate in the PEM file at `path` (other PEM blocks are
  // skipped): CAs, or a self-signed server certificate to trust as is.
  // Returns false with a one-line `*err` naming the file.
  bool AddPemFile(const std::string& path, std::string* err);

  // Sets on `easy`: peer and host name verification, TLS 1.2 or later, the
  // default CA locations, and (for https) the callback that adds the loaded
  // certificates. The default CA file and folder are libcurl's built-in ones,
  // replaced by $SSL_CERT_FILE and $SSL_CERT_DIR when set (as OpenSSL does);
  // with neither built in nor set, OpenSSL's defaults. `*this` must outlive
  // the transfer. Returns the first option libcurl refused, or CURLE_OK.
  // `only_added`: no default CA locations at all, only the loaded certificates.
  CURLcode Apply(CURL* easy, bool https, bool only_added = false);

 private:
  struct State;  // keeps OpenSSL types out of this header
  std::unique_ptr<State> state_;
};

}  // namespace irsa
