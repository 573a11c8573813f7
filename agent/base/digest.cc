// SHA-256 and HMAC-SHA256 through OpenSSL 3's EVP interfaces (no deprecated
// low-level SHA256_* / HMAC_CTX_* calls).
#include "base/digest.h"

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace irsa {
namespace {

// OpenSSL wants a non-null pointer even for zero bytes in some paths (an
// empty HMAC key in particular), and string_view::data() may be null.
const unsigned char* Bytes(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.data() == nullptr ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0F]);
  }
  return out;
}

// Failure here means OpenSSL could not allocate or load SHA-256; the empty
// result can never be mistaken for a digest (which is 64 hex characters).
std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(Bytes(data), data.size(), md, &md_len, EVP_sha256(), nullptr) != 1) {
    return std::string();
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), md_len));
}

// As above, an empty result (never a valid 32-byte MAC) reports an OpenSSL
// failure.
std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, Bytes(key), key.size(), Bytes(data),
                data.size(), mac, sizeof(mac), &mac_len) == nullptr) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

}  // namespace irsa
