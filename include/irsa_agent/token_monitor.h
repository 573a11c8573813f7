// What to say about the web-identity token as it rotates (pure). The run loop
// feeds it the token file's content at every re-read and logs what it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsa_agent/jwt.h"
#include "irsa_agent/log.h"

namespace irsa {

struct TokenNote {
  LogLevel level;
  std::string message;           // never holds token bytes
  std::vector<std::pair<std::string, std::string>> fields;  // iss, sub, aud, iat, exp, ...
};

class TokenMonitor {
 public:
  // `token` is the file's content, or nullopt when it is missing or unreadable.
  // Returns, only when something changed since the previous call: the new
  // token's claims (info) when its content changed; a warning when it is
  // malformed, missing, expired, past 90 % of its lifetime without rotation,
  // not yet valid, or its aud lacks sts.amazonaws.com. A state that persists is
  // reported once, not at every call.
  std::vector<TokenNote> Observe(std::optional<std::string_view> token, int64_t now);

  // The current token's exp claim, when known.
  std::optional<int64_t> expiry() const { return expiry_; }

 private:
  std::string last_hash_;
  std::optional<int64_t> expiry_;
  std::optional<JwtClaims> claims_;
  std::string last_state_;  // the warnings last reported, joined
};

}  // namespace irsa
