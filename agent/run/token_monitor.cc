// What to say about the web-identity token. The token is a credential: notes
// hold fixed text, claim values and times, never the token's bytes.
#include "run/token_monitor.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/digest.h"
#include "base/text.h"

namespace irsa {
namespace {

// A claim can be as long as the token (64 KiB); a log line need not be.
constexpr size_t kMaxClaimBytes = 256;

constexpr const char* kChanged = "web identity token changed";
constexpr const char* kMissing = "web identity token file is missing";
constexpr const char* kMalformed = "web identity token is malformed: ";
constexpr const char* kExpired = "web identity token has expired";
constexpr const char* kNearExpiry =
    "web identity token is past 90% of its lifetime and has not been rotated";
constexpr const char* kNotYetValid = "web identity token is not yet valid";
constexpr const char* kWrongAudience =
    "web identity token audience does not include sts.amazonaws.com";

// `s` cut to kMaxClaimBytes at a UTF-8 character boundary, "..." marking the cut.
std::string Bounded(std::string_view s) {
  if (s.size() <= kMaxClaimBytes) return std::string(s);
  size_t end = kMaxClaimBytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

std::string JoinedAudience(const std::vector<std::string>& aud) {
  std::string joined;
  for (const std::string& a : aud) {
    if (!joined.empty()) joined.push_back(',');
    joined += a;
  }
  return Bounded(joined);
}

std::string Time(int64_t t) { return FormatTimestamp(static_cast<double>(t)); }

// exp - now without overflow, saturated to the int64 range.
std::string SecondsUntil(int64_t t, int64_t now) {
  int64_t diff = 0;
  if (__builtin_sub_overflow(t, now, &diff)) {
    diff = t > now ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return std::to_string(diff);
}

TokenNote Warning(std::string message) {
  return TokenNote{LogLevel::kWarning, std::move(message), {}};
}

TokenNote ChangedNote(const JwtClaims& claims, int64_t now) {
  TokenNote note{LogLevel::kInfo, kChanged, {}};
  note.fields.emplace_back("iss", Bounded(claims.iss));
  note.fields.emplace_back("sub", Bounded(claims.sub));
  note.fields.emplace_back("aud", JoinedAudience(claims.aud));
  if (claims.iat) note.fields.emplace_back("iat", Time(*claims.iat));
  if (claims.exp) {
    note.fields.emplace_back("exp", Time(*claims.exp));
    note.fields.emplace_back("expires_in", SecondsUntil(*claims.exp, now));
  }
  return note;
}

// The warnings that hold for `claims` at `now`, the time one first.
std::vector<TokenNote> Assess(const JwtClaims& claims, int64_t now) {
  std::vector<TokenNote> warnings;
  const TokenState state = AssessToken(claims, now);
  if (state == TokenState::kExpired || state == TokenState::kNearExpiry) {
    TokenNote note = Warning(state == TokenState::kExpired ? kExpired : kNearExpiry);
    note.fields.emplace_back("exp", Time(*claims.exp));
    note.fields.emplace_back("expires_in", SecondsUntil(*claims.exp, now));
    warnings.push_back(std::move(note));
  } else if (state == TokenState::kNotYetValid) {
    TokenNote note = Warning(kNotYetValid);
    note.fields.emplace_back("nbf", Time(*claims.nbf));
    warnings.push_back(std::move(note));
  }
  if (std::find(claims.aud.begin(), claims.aud.end(), kStsAudience) == claims.aud.end()) {
    TokenNote note = Warning(kWrongAudience);
    note.fields.emplace_back("aud", JoinedAudience(claims.aud));
    warnings.push_back(std::move(note));
  }
  return warnings;
}

}  // namespace

std::vector<TokenNote> TokenMonitor::Observe(std::optional<std::string_view> token, int64_t now) {
  std::vector<TokenNote> notes;
  bool content_changed = false;
  if (!token) {
    last_hash_.clear();
    claims_.reset();
    expiry_.reset();
  } else {
    // Trimmed like DecodeJwtClaims does: a trailing newline is not a new token.
    std::string hash = Sha256Hex(TrimWhitespace(*token));
    // Without a hash (Sha256Hex failed) every read counts as a change.
    if (hash.empty() || hash != last_hash_) {
      content_changed = true;
      last_hash_ = std::move(hash);
      JwtClaims claims;
      std::string err;
      if (DecodeJwtClaims(*token, &claims, &err)) {
        notes.push_back(ChangedNote(claims, now));
        expiry_ = claims.exp;
        claims_ = std::move(claims);
      } else {
        claims_.reset();
        expiry_.reset();
        decode_error_ = err;  // fixed text and claim names only (jwt.h)
      }
    }
  }

  std::vector<TokenNote> warnings;
  if (!token) {
    warnings.push_back(Warning(kMissing));
  } else if (!claims_) {
    warnings.push_back(Warning(kMalformed + decode_error_));
  } else {
    warnings = Assess(*claims_, now);
  }

  // A new token's warnings are news even when the old one had the same; for
  // the same token only a warning that was not in effect before is.
  std::vector<std::string> in_effect;
  for (TokenNote& warning : warnings) {
    const bool known =
        std::find(reported_.begin(), reported_.end(), warning.message) != reported_.end();
    in_effect.push_back(warning.message);
    if (content_changed || !known) notes.push_back(std::move(warning));
  }
  reported_ = std::move(in_effect);
  return notes;
}

}  // namespace irsa
