// Certificates for HTTPS tests, generated in memory with OpenSSL (P-256,
// SHA-256, valid from an hour ago for a day). Server certificates name the
// IP address 127.0.0.1 (subjectAltName), like a loopback test server needs.
#pragma once

#include <string>

namespace irsa {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8 PEM, unencrypted
  bool ok() const { return !cert_pem.empty() && !key_pem.empty(); }
};

// A self-signed CA (basicConstraints CA:TRUE, keyUsage keyCertSign).
TestCert MakeTestCa(const std::string& common_name);

// A server certificate for 127.0.0.1 signed by `issuer` (CA:FALSE).
TestCert MakeTestServerCert(const TestCert& issuer, const std::string& common_name);

// A self-signed server certificate for 127.0.0.1 that is not a CA (CA:FALSE,
// keyUsage digitalSignature and keyEncipherment, like cert-manager's
// self-signed issuer makes).
TestCert MakeTestSelfSignedServerCert(const std::string& common_name);

}  // namespace irsa
