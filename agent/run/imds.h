// Instance metadata (IMDSv2) for one profile per path prefix, served by the
// credentials listener when `imds` is on (docs/PROTOCOLS.md). Pure: the path
// grammar, the session-token TTL and the session tokens themselves.
//
// A session token is stateless, "<expiry>.<hex HMAC-SHA256(key, profile
// "\n" expiry)>", so a flood of PUTs costs no memory: it is valid for its
// profile's prefix only, until its expiry (unix seconds), and only while the
// agent that made the key runs (the key is 32 random bytes per start).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irsa {

// The IMDS TTL header and its bounds (seconds).
inline constexpr std::string_view kImdsTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
inline constexpr std::string_view kImdsTokenHeader = "x-aws-ec2-metadata-token";
inline constexpr int kImdsMaxTtl = 21600;

// Decimal 1..21600, nothing else.
bool ParseImdsTtl(std::string_view text, int* ttl);

enum class ImdsResource {
  kToken,            // latest/api/token
  kCredentialsList,  // latest/meta-data/iam/security-credentials/ (or without the slash)
  kCredentials,      // latest/meta-data/iam/security-credentials/<name>
  kOther,            // anything else under the prefix: 404
};

struct ImdsTarget {
  std::string profile;  // %XX decoded, not validated
  ImdsResource resource = ImdsResource::kOther;
  std::string name;  // kCredentials: the role name asked for, %XX decoded
};

// The target of a path under "/imds/<profile>/"; nullopt for any other path.
std::optional<ImdsTarget> ParseImdsPath(std::string_view path);

class ImdsSessions {
 public:
  explicit ImdsSessions(std::string key) : key_(std::move(key)) {}
  ~ImdsSessions();
  ImdsSessions(const ImdsSessions&) = delete;
  ImdsSessions& operator=(const ImdsSessions&) = delete;

  // A token for `profile` valid `ttl` seconds from `now` (unix seconds);
  // "" when OpenSSL cannot compute the HMAC.
  std::string Issue(std::string_view profile, int ttl, double now) const;

  // Whether `token` was issued by this object for `profile` and has not
  // expired at `now`. Compares in constant time.
  bool Valid(std::string_view token, std::string_view profile, double now) const;

 private:
  std::string Mac(std::string_view profile, int64_t expiry) const;

  std::string key_;
};

}  // namespace irsa
