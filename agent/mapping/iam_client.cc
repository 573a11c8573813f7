// Form POSTs to "/" with Version=2010-05-08, signed for service "iam". The
// signed headers carry the session token: they are wiped after each call.
#include "mapping/iam_client.h"

#include <algorithm>
#include <cmath>

#include "aws/signed_request.h"
#include "aws/sts_xml.h"
#include "base/url.h"

namespace irsa {
namespace {

constexpr size_t kMaxIamAnswerBytes = 128 * 1024;

}  // namespace

bool ResolveIamEndpoint(std::string_view setting, IamEndpoint* out, std::string* err) {
  if (setting.empty()) {
    out->host = "iam.amazonaws.com";
    out->base = "https://iam.amazonaws.com";
    return true;
  }
  return ParseServiceOrigin("iam-endpoint", setting, &out->host, &out->base, err);
}

bool ParseGetRoleAnswer(std::string_view body, std::string* policy, std::string* err) {
  XmlElement root;
  if (!ParseXml(body, &root, err)) return false;
  const XmlElement* result = root.Child("GetRoleResult");
  const XmlElement* role = result ? result->Child("Role") : nullptr;
  const XmlElement* doc = role ? role->Child("AssumeRolePolicyDocument") : nullptr;
  if (doc == nullptr) {
    *err = "GetRole answer has no Role/AssumeRolePolicyDocument";
    return false;
  }
  // IAM sends the document URL-encoded; a raw JSON document (some stand-ins)
  // starts with '{' and has nothing to decode.
  if (!doc->text.empty() && doc->text[0] == '{') {
    *policy = doc->text;
    return true;
  }
  if (!PercentDecode(doc->text, policy)) {
    *err = "GetRole answer: AssumeRolePolicyDocument has a bad %-escape";
    return false;
  }
  return true;
}

void ParseIamError(std::string_view body, std::string* code, std::string* message) {
  XmlElement root;
  std::string err;
  code->clear();
  message->clear();
  if (!ParseXml(body, &root, &err)) return;
  // IAM's own shape is ErrorResponse/Error; the query protocol's other
  // servers (moto's authorization layer, some proxies) wrap it in Errors, and
  // the SDKs read both.
  const XmlElement* error = root.Child("Error");
  if (error == nullptr) {
    const XmlElement* errors = root.Child("Errors");
    error = errors == nullptr ? nullptr : errors->Child("Error");
  }
  if (error == nullptr) return;
  if (const XmlElement* c = error->Child("Code")) *code = c->text;
  if (const XmlElement* m = error->Child("Message")) *message = m->text;
}

IamClient::IamClient(HttpClient& http, IamEndpoint endpoint, double timeout,
                     SharedCredentials& credentials, std::function<double()> wall,
                     CallObserver observe)
    : http_(http),
      endpoint_(std::move(endpoint)),
      timeout_(timeout),
      credentials_(credentials),
      wall_(std::move(wall)),
      observe_(std::move(observe)) {}

IamResult IamClient::Call(std::string_view body, std::string* answer) {
  const double now = wall_();
  TemporaryCredentials keys;
  if (const StepStatus got = credentials_.Get(static_cast<int64_t>(now), &keys); !got.ok()) {
    return {got.kind(), "", "AWS credentials: " + got.message()};
  }
  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.host = endpoint_.host;
  to_sign.path = "/";
  to_sign.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  to_sign.payload = std::string(body);
  HttpRequest request;
  std::string err;
  if (!BuildSignedRequest(std::move(to_sign), keys,
                          {endpoint_.region, "iam", AmzDate(static_cast<int64_t>(std::floor(now)))},
                          &request, &err)) {
    return {Failure::kInput, "", "IAM: " + err};
  }
  request.url = endpoint_.base + "/";
  request.total_timeout = timeout_;
  request.connect_timeout = std::min(5.0, timeout_);
  request.max_response_bytes = kMaxIamAnswerBytes;
  HttpResponse response;
  const Status<HttpFailure> sent = SendAndWipe(http_, &request, &response);
  if (!sent.ok()) {
    const Failure kind =
        sent.kind() == HttpFailure::kBadRequest ? Failure::kInput : Failure::kTransient;
    if (observe_) observe_("iam", kind, response.seconds);
    return {kind, "", "IAM: " + sent.message()};
  }
  if (response.status == 200) {
    if (observe_) observe_("iam", Failure::kNone, response.seconds);
    *answer = std::move(response.body);
    return {};
  }
  IamResult result;
  std::string detail;
  ParseIamError(response.body, &result.code, &detail);
  result.message = "IAM answered HTTP " + std::to_string(response.status) +
                   (result.code.empty() ? "" : " " + result.code);
  const bool transient = response.status >= 500 || result.code == "Throttling" ||
                         result.code == "ServiceUnavailable" || response.status == 429;
  result.failure = transient ? Failure::kTransient : Failure::kPermanent;
  if (observe_) observe_("iam", result.failure, response.seconds);
  return result;
}

IamResult IamClient::GetTrustPolicy(std::string_view role_name, std::string* policy) {
  std::string answer;
  IamResult result =
      Call(FormEncode({{"Action", "GetRole"}, {"RoleName", role_name}, {"Version", "2010-05-08"}}),
           &answer);
  if (result.failure != Failure::kNone) {
    result.message = "GetRole " + std::string(role_name) + ": " + result.message;
    return result;
  }
  std::string err;
  if (!ParseGetRoleAnswer(answer, policy, &err)) {
    return {Failure::kAnswer, "", "GetRole " + std::string(role_name) + ": " + err};
  }
  return result;
}

IamResult IamClient::UpdateTrustPolicy(std::string_view role_name, std::string_view policy) {
  std::string answer;
  IamResult result = Call(FormEncode({{"Action", "UpdateAssumeRolePolicy"},
                                      {"PolicyDocument", policy},
                                      {"RoleName", role_name},
                                      {"Version", "2010-05-08"}}),
                          &answer);
  if (result.failure != Failure::kNone) {
    result.message = "UpdateAssumeRolePolicy " + std::string(role_name) + ": " + result.message;
  }
  return result;
}

}  // namespace irsa
