// CA trust for libcurl through its OpenSSL backend.

#include "os/curl_trust.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

namespace irsa {
namespace {

constexpr size_t kMaxPemFileBytes = 4 << 20;  // far above a full public bundle

struct X509Deleter {
  void operator()(X509* c) const { X509_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

// The SSL_CTX handed to the callback is only an OpenSSL one when libcurl
// uses OpenSSL as its TLS backend.
bool CurlUsesOpenSsl() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  return info != nullptr && info->ssl_version != nullptr &&
         std::strncmp(info->ssl_version, "OpenSSL/", 8) == 0;
}

// Reads a whole file of at most kMaxPemFileBytes. Returns 0, errno, or
// EFBIG when the file is larger.
int ReadSmallFile(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno;
  int error = 0;
  char chunk[16 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    out->append(chunk, static_cast<size_t>(n));
    if (out->size() > kMaxPemFileBytes) {
      error = EFBIG;
      break;
    }
  }
  ::close(fd);
  return error;
}

// Whether libcurl has a built-in CA file (CURLINFO_CAINFO) or folder
// (CURLINFO_CAPATH).
bool HasBuiltIn(CURL* easy, CURLINFO what) {
  char* location = nullptr;
  return curl_easy_getinfo(easy, what, &location) == CURLE_OK && location != nullptr &&
         *location != '\0';
}

const char* NonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

struct CurlTrust::State {
  std::vector<std::unique_ptr<X509, X509Deleter>> certs;
  bool load_openssl_defaults = false;

  // Runs after libcurl has loaded its CA locations into the context, so the
  // certificates join the default store instead of replacing it. Any
  // certificate in the store is a trust anchor for OpenSSL, so a self-signed
  // server certificate is trusted as is.
  static CURLcode OnSslCtx(CURL*, void* ssl_ctx, void* user) {
    auto* state = static_cast<State*>(user);
    auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
    if (state->load_openssl_defaults && SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return CURLE_SSL_CACERT_BADFILE;
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& cert : state->certs) {
      if (X509_STORE_add_cert(store, cert.get()) != 1) return CURLE_SSL_CACERT_BADFILE;
    }
    return CURLE_OK;
  }
};

CurlTrust::CurlTrust() : state_(std::make_unique<State>()) {}
CurlTrust::~CurlTrust() = default;

bool CurlTrust::AddPemFile(const std::string& path, std::string* err) {
  if (!CurlUsesOpenSsl()) {
    *err = "CA file " + path + ": needs libcurl built with OpenSSL";
    return false;
  }
  std::string pem;
  if (const int error = ReadSmallFile(path, &pem); error != 0) {
    *err = "CA file " + path + ": " +
           (error == EFBIG ? "larger than " + std::to_string(kMaxPemFileBytes) + " bytes"
                           : std::system_category().message(error));
    return false;
  }
  const size_t before = state_->certs.size();
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (bio) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    state_->certs.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the input is queued as an error
  if (state_->certs.size() == before) {
    *err = "CA file " + path + " holds no PEM certificate";
    return false;
  }
  return true;
}

CURLcode CurlTrust::Apply(CURL* easy, bool https, bool only_added) {
  CURLcode first = CURLE_OK;
  auto set = [&first](CURLcode rc) {
    if (first == CURLE_OK) first = rc;
  };
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
  set(curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
  // libcurl may cache a CA store between transfers; ours gets certificates
  // added, so it must never be shared.
  set(curl_easy_setopt(easy, CURLOPT_CA_CACHE_TIMEOUT, 0L));
  const char* file = NonEmptyEnv("SSL_CERT_FILE");
  const char* dir = NonEmptyEnv("SSL_CERT_DIR");
  if (only_added) {  // NULL: libcurl loads no CA file or folder, built-in or not
    set(curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr));
    set(curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr));
    state_->load_openssl_defaults = false;
  } else {
    if (file != nullptr) set(curl_easy_setopt(easy, CURLOPT_CAINFO, file));
    if (dir != nullptr) set(curl_easy_setopt(easy, CURLOPT_CAPATH, dir));
    state_->load_openssl_defaults = file == nullptr && dir == nullptr &&
                                    !HasBuiltIn(easy, CURLINFO_CAINFO) &&
                                    !HasBuiltIn(easy, CURLINFO_CAPATH);
  }
  if (https && CurlUsesOpenSsl() && (!state_->certs.empty() || state_->load_openssl_defaults)) {
    set(curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, State::OnSslCtx));
    set(curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, state_.get()));
  }
  return first;
}

}  // namespace irsa
