// ParsePodIdentityAnswer and PodIdentityErrorMessage (the EKS Pod Identity
// agent's answers) on arbitrary bytes.
//
// Input: one steering byte whose low 4 bits are the length of the secret (the
// token the agent was sent), then the secret, then the answer body.
//
// Invariants: a parsed answer has non-empty credentials without control
// characters, an expiry equal to core ParseRfc3339 of Expiration and an
// AccountId that is empty or 12 digits; a failed parse leaves nothing behind
// and its error is one printable line made only of fixed words (it never
// quotes the body); an error message is at most 256 bytes of valid UTF-8
// without control characters and never holds the secret.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/pod_identity.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

// The fixed text of ParsePodIdentityAnswer's messages.
constexpr std::string_view kVocabulary =
    "malformed JSON\nnot a JSON object\nExpiration is not an RFC 3339 time\n"
    "AccountId is not a string of 12 digits\n"
    "missing AccessKeyId\nAccessKeyId is not a string\nAccessKeyId is empty\n"
    "AccessKeyId holds a control character\n"
    "missing SecretAccessKey\nSecretAccessKey is not a string\nSecretAccessKey is empty\n"
    "SecretAccessKey holds a control character\n"
    "missing Token\nToken is not a string\nToken is empty\nToken holds a control character\n"
    "missing Expiration\nExpiration is not a string\nExpiration is empty\n"
    "Expiration holds a control character\n";

bool IsCredential(std::string_view s) { return !s.empty() && !irsa::HasControlChar(s); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const size_t secret_size = std::min<size_t>(irsa::fuzz::TakeByte(&data, &size) & 15, size);
  const std::string_view secret = irsa::fuzz::AsText(data, secret_size);
  const std::string_view body = irsa::fuzz::AsText(data + secret_size, size - secret_size);

  irsa::PodIdentityCredentials parsed;
  std::string err;
  if (irsa::ParsePodIdentityAnswer(body, &parsed, &err)) {
    Check(IsCredential(parsed.credentials.access_key_id) &&
              IsCredential(parsed.credentials.secret_access_key) &&
              IsCredential(parsed.credentials.session_token),
          "parsed credentials are non-empty without control characters");
    int64_t expires_at = 0;
    std::string time_err;
    Check(irsa::ParseRfc3339(parsed.credentials.expiration, &expires_at, &time_err) &&
              expires_at == parsed.expires_at,
          "the expiry is core ParseRfc3339 of Expiration");
    Check(parsed.account_id.empty() ||
              (parsed.account_id.size() == 12 &&
               parsed.account_id.find_first_not_of("0123456789") == std::string::npos),
          "AccountId is empty or 12 digits");
  } else {
    Check(parsed.credentials.access_key_id.empty() &&
              parsed.credentials.secret_access_key.empty() &&
              parsed.credentials.session_token.empty() && parsed.account_id.empty() &&
              parsed.expires_at == 0,
          "a failed parse leaves nothing behind");
    Check(!err.empty() && irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    Check(kVocabulary.find(err + "\n") != std::string_view::npos,
          "an error is one of the fixed messages (never quotes the body)");
  }

  const std::string message = irsa::PodIdentityErrorMessage(body, secret);
  Check(message.size() <= 256 && irsa::IsValidUtf8(message) && !irsa::HasControlChar(message),
        "an error message is at most 256 bytes of valid UTF-8 without control characters");
  // A token never holds a control character (ReadToken refuses one); one with
  // a space could be made by turning a control character into a space.
  if (!secret.empty() && !irsa::HasControlChar(secret) && secret.find(' ') == secret.npos) {
    Check(message.find(secret) == std::string::npos, "an error message never holds the secret");
  }
  return 0;
}
