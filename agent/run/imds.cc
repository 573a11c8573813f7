#include "run/imds.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "aws/broker.h"
#include "base/digest.h"
#include "base/secret.h"

namespace irsa {
namespace {

constexpr std::string_view kPrefix = "/imds/";
constexpr std::string_view kToken = "latest/api/token";
constexpr std::string_view kCredentials = "latest/meta-data/iam/security-credentials";

bool ParseDecimal(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// %XX-decoded `segment`, through the broker's decoder.
std::string Decoded(std::string_view segment) {
  return CredentialProfileFromPath("/credentials/" + std::string(segment)).value_or("");
}

}  // namespace

bool ParseImdsTtl(std::string_view text, int* ttl) {
  int64_t value = 0;
  if (!ParseDecimal(text, &value) || value < 1 || value > kImdsMaxTtl) return false;
  *ttl = static_cast<int>(value);
  return true;
}

std::optional<ImdsTarget> ParseImdsPath(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  ImdsTarget target;
  target.profile = Decoded(rest.substr(0, slash));
  const std::string_view resource = rest.substr(slash + 1);
  if (resource == kToken) {
    target.resource = ImdsResource::kToken;
  } else if (resource == kCredentials || resource == std::string(kCredentials) + "/") {
    target.resource = ImdsResource::kCredentialsList;
  } else if (resource.substr(0, kCredentials.size() + 1) == std::string(kCredentials) + "/") {
    const std::string_view name = resource.substr(kCredentials.size() + 1);
    if (name.find('/') == std::string_view::npos) {
      target.resource = ImdsResource::kCredentials;
      target.name = Decoded(name);
    }
  }
  return target;
}

ImdsSessions::~ImdsSessions() { WipeString(&key_); }

std::string ImdsSessions::Mac(std::string_view profile, int64_t expiry) const {
  const std::string mac = HmacSha256(key_, std::string(profile) + "\n" + std::to_string(expiry));
  return mac.empty() ? std::string() : HexEncode(mac);
}

std::string ImdsSessions::Issue(std::string_view profile, int ttl, double now) const {
  const auto expiry = static_cast<int64_t>(std::floor(now)) + ttl;
  const std::string mac = Mac(profile, expiry);
  if (mac.empty()) return {};
  return std::to_string(expiry) + "." + mac;
}

bool ImdsSessions::Valid(std::string_view token, std::string_view profile, double now) const {
  const size_t dot = token.find('.');
  int64_t expiry = 0;
  if (dot == std::string_view::npos || !ParseDecimal(token.substr(0, dot), &expiry)) return false;
  if (static_cast<double>(expiry) <= now) return false;
  const std::string mac = Mac(profile, expiry);
  return !mac.empty() && SecretEquals(mac, token.substr(dot + 1));
}

}  // namespace irsa
