#include "fakes/test_pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <ctime>
#include <memory>

namespace irsa {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* c) const { X509_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

enum class Kind { kCa, kServer };

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string BioText(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

KeyPtr ReadKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return KeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

CertPtr ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return CertPtr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// Makes a certificate for a fresh key. `issuer` null: self-signed.
TestCert Make(Kind kind, const std::string& common_name, const TestCert* issuer) {
  static std::atomic<long> serial{static_cast<long>(std::time(nullptr))};
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  CertPtr cert(X509_new());
  if (!key || !cert) return {};
  KeyPtr issuer_key = issuer != nullptr ? ReadKey(issuer->key_pem) : nullptr;
  CertPtr issuer_cert = issuer != nullptr ? ReadCert(issuer->cert_pem) : nullptr;
  if (issuer != nullptr && (!issuer_key || !issuer_cert)) return {};
  X509* signer_cert = issuer != nullptr ? issuer_cert.get() : cert.get();
  EVP_PKEY* signer_key = issuer != nullptr ? issuer_key.get() : key.get();

  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) != nullptr &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                       -1, -1, 0) == 1 &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)) == 1 &&
            X509_set_pubkey(cert.get(), key.get()) == 1 &&
            AddExtension(cert.get(), signer_cert, NID_subject_key_identifier, "hash") &&
            AddExtension(cert.get(), signer_cert, NID_authority_key_identifier, "keyid:always");
  if (kind == Kind::kCa) {
    ok = ok && AddExtension(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert.get(), signer_cert, NID_key_usage,
                      "critical,digitalSignature,keyEncipherment") &&
         AddExtension(cert.get(), signer_cert, NID_ext_key_usage, "serverAuth") &&
         AddExtension(cert.get(), signer_cert, NID_subject_alt_name, "IP:127.0.0.1");
  }
  ok = ok && X509_sign(cert.get(), signer_key, EVP_sha256()) > 0;
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  ok = ok && cert_bio && key_bio && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1 &&
       PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
           1;
  if (!ok) return {};
  return {BioText(cert_bio.get()), BioText(key_bio.get())};
}

}  // namespace

TestCert MakeTestCa(const std::string& common_name) {
  return Make(Kind::kCa, common_name, nullptr);
}

TestCert MakeTestServerCert(const TestCert& issuer, const std::string& common_name) {
  return Make(Kind::kServer, common_name, &issuer);
}

TestCert MakeTestSelfSignedServerCert(const std::string& common_name) {
  return Make(Kind::kServer, common_name, nullptr);
}

}  // namespace irsa
