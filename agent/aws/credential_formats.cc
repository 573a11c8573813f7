#include "aws/credential_formats.h"

#include <initializer_list>
#include <utility>

#include "base/timestamp.h"

namespace irsa {
namespace {

// One member; `raw` writes the value as it is (a JSON number), not as a string.
struct Field {
  std::string_view key;
  std::string_view value;
  bool raw = false;
};

size_t EscapedSize(std::string_view s) {
  size_t n = 2;  // the quotes
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    n += (c == '"' || c == '\\') ? 2 : (u < 0x20 ? 6 : 1);
  }
  return n;
}

void AppendString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xf]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// {"k": "v", ...} in one allocation of the exact size.
std::string JsonObject(std::initializer_list<Field> fields) {
  size_t size = 2;
  for (const Field& f : fields) {
    size += EscapedSize(f.key) + (f.raw ? f.value.size() : EscapedSize(f.value)) + 4;
  }
  std::string out;
  out.reserve(size);
  out.push_back('{');
  bool first = true;
  for (const Field& f : fields) {
    if (!first) out.append(", ");
    first = false;
    AppendString(f.key, &out);
    out.append(": ");
    if (f.raw) {
      out.append(f.value);
    } else {
      AppendString(f.value, &out);
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string CredentialProcessJson(const TemporaryCredentials& credentials, int64_t expires_at) {
  return JsonObject({{"Version", "1", true},
                     {"AccessKeyId", credentials.access_key_id},
                     {"SecretAccessKey", credentials.secret_access_key},
                     {"SessionToken", credentials.session_token},
                     {"Expiration", FormatRfc3339(expires_at)}});
}

std::string FormatCredentials(CredentialFormat format, const CredentialView& view) {
  const TemporaryCredentials& c = view.credentials;
  switch (format) {
    case CredentialFormat::kProcess:
      return CredentialProcessJson(c, view.expires_at);
    case CredentialFormat::kContainer:
      return JsonObject({{"AccessKeyId", c.access_key_id},
                         {"SecretAccessKey", c.secret_access_key},
                         {"Token", c.session_token},
                         {"Expiration", FormatRfc3339(view.expires_at)},
                         {"RoleArn", view.role_arn}});
    case CredentialFormat::kImds:
      return JsonObject({{"Code", "Success"},
                         {"LastUpdated", FormatRfc3339(view.issued_at)},
                         {"Type", "AWS-HMAC"},
                         {"AccessKeyId", c.access_key_id},
                         {"SecretAccessKey", c.secret_access_key},
                         {"Token", c.session_token},
                         {"Expiration", FormatRfc3339(view.expires_at)}});
    case CredentialFormat::kImdsName:
      return std::string(view.profile);
  }
  return {};
}

std::string_view CredentialContentType(CredentialFormat format) {
  return format == CredentialFormat::kImdsName ? "text/plain" : "application/json";
}

}  // namespace irsa
