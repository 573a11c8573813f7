// ParseStsAnswer (and the XML reader under it) on arbitrary bytes.
//
// Input: one steering byte (the action: AssumeRoleWithWebIdentity or
// AssumeRole), then the answer body.
//
// Invariants: errors start "STS answer: ", are one printable line and never
// quote more than 8 bytes of any element's text (credentials are element
// text); issued credentials are non-empty and trimmed; error codes and
// messages are bounded and free of control characters; parsing into a used
// StsAnswer gives the same result as parsing into a fresh one.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/sts.h"
#include "aws/sts_xml.h"
#include "base/text.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

// The fixed text of the messages of sts.cc and sts_xml.cc; digits in a message
// are replaced by 'N' before it is compared (see Normalize).
constexpr std::string_view kVocabulary =
    "STS answer: xml: byte N: larger than NNN KiB\n"
    "content after the root element\nunterminated declaration or comment\n"
    "DOCTYPE, CDATA and processing instructions are not supported\nexpected a name\n"
    "expected = after an attribute name\nexpected a quoted attribute value\n"
    "unterminated attribute value\n< in an attribute value\nunterminated reference\n"
    "unknown entity\nbad character reference\n]]> in character data\nnested too deeply\n"
    "expected an element\nexpected whitespace, > or />\nunterminated element\n"
    "mismatched end tag\n"
    "STS answer: missing ErrorResponse/Error/Code\nSTS answer: missing Credentials/AccessKeyId\n"
    "STS answer: missing Credentials/SecretAccessKey\n"
    "STS answer: missing Credentials/SessionToken\nSTS answer: missing Credentials/Expiration\n"
    "STS answer: missing AssumedRoleUser/Arn\n"
    "STS answer: missing AssumeRoleWithWebIdentityResult\nSTS answer: missing AssumeRoleResult\n"
    "STS answer: unexpected root element <";

constexpr std::string_view kValidAnswer =
    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>AKIAEXAMPLE</AccessKeyId>"
    "<SecretAccessKey>c2VjcmV0</SecretAccessKey><SessionToken>dG9rZW4</SessionToken>"
    "<Expiration>2026-11-23T18:00:00Z</Expiration></Credentials><AssumedRoleUser>"
    "<Arn>arn:aws:sts::946429944765:assumed-role/r/s</Arn></AssumedRoleUser></AssumeRoleResult>"
    "</AssumeRoleResponse>";

std::string Normalize(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= '0' && c <= '9') c = 'N';
  }
  return out;
}

// Every element's text, one per line, into `texts`: what an error must not
// quote. Element names go to `names` as the messages show them (`<name>`): a
// message may name an element (the unexpected root), and a name is never a
// credential, even when an element's text happens to contain it.
void Collect(const irsa::XmlElement& e, std::string* texts, std::string* names) {
  *texts += e.text + "\n";
  *names += "<" + irsa::Printable(e.name) + ">\n";
  for (const irsa::XmlElement& child : e.children) Collect(child, texts, names);
}

bool IsTrimmed(std::string_view s) { return !s.empty() && irsa::TrimWhitespace(s) == s; }

bool Same(const irsa::StsAnswer& a, const irsa::StsAnswer& b) {
  return a.ok == b.ok && a.assumed_role_arn == b.assumed_role_arn && a.error_code == b.error_code &&
         a.error_message == b.error_message &&
         a.credentials.access_key_id == b.credentials.access_key_id &&
         a.credentials.secret_access_key == b.credentials.secret_access_key &&
         a.credentials.session_token == b.credentials.session_token &&
         a.credentials.expiration == b.credentials.expiration;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t steer = irsa::fuzz::TakeByte(&data, &size);
  const std::string_view action = (steer & 1) != 0 ? "AssumeRole" : "AssumeRoleWithWebIdentity";
  const std::string_view body = irsa::fuzz::AsText(data, size);

  irsa::StsAnswer answer;
  std::string err;
  const bool ok = irsa::ParseStsAnswer(action, body, &answer, &err);

  irsa::StsAnswer reused;
  std::string ignored;
  Check(irsa::ParseStsAnswer("AssumeRole", kValidAnswer, &reused, &ignored) && reused.ok,
        "the valid answer parses");
  Check(irsa::ParseStsAnswer(action, body, &reused, &ignored) == ok && Same(answer, reused),
        "parsing into a used answer is parsing into a fresh one");

  if (!ok) {
    Check(err.starts_with("STS answer: "), "an error starts with STS answer:");
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    Check(!answer.ok && answer.credentials.secret_access_key.empty() &&
              answer.credentials.session_token.empty(),
          "a failed parse holds no credentials");
    irsa::XmlElement root;
    std::string xml_err;
    if (irsa::ParseXml(body, &root, &xml_err)) {
      std::string texts;
      std::string names;
      Collect(root, &texts, &names);
      // kVocabulary ends with the unexpected-root message, completed here.
      const std::string vocabulary =
          Normalize(std::string(kVocabulary) + irsa::Printable(root.name) + ">\n" + names);
      Check(!irsa::fuzz::QuotesInput(Normalize(err), Normalize(texts), 8, vocabulary),
            "an error never quotes element text");
    }
    return 0;
  }
  if (answer.ok) {
    Check(IsTrimmed(answer.credentials.access_key_id) &&
              IsTrimmed(answer.credentials.secret_access_key) &&
              IsTrimmed(answer.credentials.session_token),
          "issued credentials are non-empty and trimmed");
    Check(!irsa::HasControlChar(answer.credentials.expiration) &&
              !irsa::HasControlChar(answer.assumed_role_arn),
          "expiration and ARN have no control characters");
    Check(answer.error_code.empty() && answer.error_message.empty(), "success has no error");
  } else {
    Check(answer.error_code.size() <= 128 && answer.error_message.size() <= 512,
          "an STS error is bounded");
    Check(!irsa::HasControlChar(answer.error_code) && !irsa::HasControlChar(answer.error_message),
          "an STS error has no control characters");
    Check(answer.credentials.secret_access_key.empty(), "an STS error holds no credentials");
  }
  return 0;
}
