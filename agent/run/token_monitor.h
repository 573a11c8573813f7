// What to say about the web-identity token as it rotates (pure). The run loop
// feeds it the token file's content at every re-read and logs what it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "domain/jwt.h"

namespace irsa {

struct TokenNote {
  LogLevel level;
  std::string message;                                      // never holds token bytes
  std::vector<std::pair<std::string, std::string>> fields;  // iss, sub, aud, iat, exp, ...
};

class TokenMonitor {
 public:
  // `token` is the file's content, or nullopt when it is missing or unreadable.
  // Returns, only when something changed since the previous call: the new
  // token's claims (info) when its content changed; a warning when it is
  // malformed, missing, expired, past 90 % of its lifetime without rotation,
  // not yet valid, or its aud lacks sts.amazonaws.com. A state that persists is
  // reported once, not at every call; a new token's warnings are reported even
  // when the previous token had the same. Messages (claim values cut to 256 bytes):
  //   info    "web identity token changed"  iss, sub, aud (comma-joined), iat, exp
  //           (ISO-8601 UTC), expires_in (seconds); absent iat/exp are omitted
  //   warning "web identity token file is missing"
  //   warning "web identity token is malformed: <DecodeJwtClaims error>"
  //   warning "web identity token has expired"  exp, expires_in
  //   warning "web identity token is past 90% of its lifetime and has not been
  //           rotated"  exp, expires_in
  //   warning "web identity token is not yet valid"  nbf
  //   warning "web identity token audience does not include sts.amazonaws.com"  aud
  std::vector<TokenNote> Observe(std::optional<std::string_view> token, int64_t now);

  // The current token's exp claim, when known.
  std::optional<int64_t> expiry() const { return expiry_; }

 private:
  std::string last_hash_;  // SHA-256 of the trimmed content; empty when missing
  std::optional<int64_t> expiry_;
  std::optional<JwtClaims> claims_;    // absent when missing or malformed
  std::string decode_error_;           // why the current content is malformed
  std::vector<std::string> reported_;  // messages of the warnings in effect at the last call
};

}  // namespace irsa
