#include "aws/sts_identity.h"

#include <algorithm>

#include "aws/signed_request.h"
#include "aws/sts_xml.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr std::string_view kFormType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr size_t kMaxAnswerBytes = 64 * 1024;

std::string Clean(std::string_view text, size_t limit) {
  std::string out(TrimWhitespace(text));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (out.size() > limit) out.resize(limit);
  while (!out.empty() && !IsValidUtf8(out)) out.pop_back();
  return out;
}

const XmlElement* Field(const XmlElement* parent, std::string_view name) {
  const XmlElement* e = parent == nullptr ? nullptr : parent->Child(name);
  return e == nullptr || TrimWhitespace(e->text).empty() ? nullptr : e;
}

}  // namespace

bool ParseCallerIdentity(std::string_view body, CallerIdentity* out, std::string* err) {
  *out = CallerIdentity{};
  XmlElement root;
  std::string xml_err;
  if (!ParseXml(body, &root, &xml_err)) {
    *err = "STS answer: " + xml_err;
    return false;
  }
  if (root.name == "ErrorResponse") {
    const XmlElement* error = root.Child("Error");
    const XmlElement* code = Field(error, "Code");
    if (code == nullptr) {
      *err = "STS answer: missing ErrorResponse/Error/Code";
      return false;
    }
    out->error_code = Clean(code->text, 128);
    if (const XmlElement* message = Field(error, "Message")) {
      out->error_message = Clean(message->text, 512);
    }
    return true;
  }
  const XmlElement* result =
      root.name == "GetCallerIdentityResponse" ? root.Child("GetCallerIdentityResult") : nullptr;
  const XmlElement* arn = Field(result, "Arn");
  const XmlElement* account = Field(result, "Account");
  if (arn == nullptr || account == nullptr) {
    *err = "STS answer: not a GetCallerIdentityResponse with Arn and Account";
    return false;
  }
  out->arn = Clean(arn->text, 2048);
  out->account = Clean(account->text, 64);
  out->ok = true;
  return true;
}

std::string RoleArnOfAssumedRole(std::string_view arn) {
  // arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION
  constexpr std::string_view kSts = ":sts::";
  constexpr std::string_view kAssumed = ":assumed-role/";
  if (!arn.starts_with("arn:")) return "";
  const size_t sts = arn.find(kSts);
  const size_t assumed = arn.find(kAssumed);
  if (sts == std::string_view::npos || assumed == std::string_view::npos || assumed < sts) {
    return "";
  }
  const std::string_view partition = arn.substr(4, sts - 4);
  const std::string_view account = arn.substr(sts + kSts.size(), assumed - sts - kSts.size());
  const std::string_view rest = arn.substr(assumed + kAssumed.size());
  const size_t slash = rest.find('/');
  if (partition.empty() || account.empty() || slash == 0 || slash == std::string_view::npos) {
    return "";
  }
  return "arn:" + std::string(partition) + ":iam::" + std::string(account) + ":role/" +
         std::string(rest.substr(0, slash));
}

bool GetCallerIdentity(HttpClient& http, const StsEndpoint& endpoint, double timeout,
                       const TemporaryCredentials& credentials, std::string_view amz_date,
                       CallerIdentity* out, std::string* err) {
  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.host = endpoint.host;
  to_sign.path = endpoint.path;
  to_sign.headers = {{"Content-Type", std::string(kFormType)}};
  to_sign.payload = FormEncode({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}});
  HttpRequest request;
  if (!BuildSignedRequest(std::move(to_sign), credentials,
                          {endpoint.region, "sts", std::string(amz_date)}, &request, err)) {
    return false;
  }
  request.url = endpoint.url;
  request.total_timeout = timeout;
  request.connect_timeout = std::min(5.0, timeout);
  request.max_response_bytes = kMaxAnswerBytes;
  HttpResponse response;
  const Status<HttpFailure> sent = SendAndWipe(http, &request, &response);
  if (!sent.ok()) {
    *err = "STS " + endpoint.host + ": " + sent.message();
    return false;
  }
  std::string parse_err;
  if (!ParseCallerIdentity(response.body, out, &parse_err)) {
    *err = "STS " + endpoint.host + " answered HTTP " + std::to_string(response.status) + ": " +
           parse_err;
    return false;
  }
  return true;
}

}  // namespace irsa
