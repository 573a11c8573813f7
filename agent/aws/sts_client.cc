// StsClient: the two STS calls over the HttpClient interface. The request
// body of AssumeRoleWithWebIdentity holds the web identity token and the
// signed AssumeRole request the session token: both are wiped after sending,
// and the answer body (which holds new credentials) once it is parsed.
#include <algorithm>
#include <string>
#include <vector>

#include "aws/signed_request.h"
#include "aws/sts.h"
#include "base/secret.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr std::string_view kStsVersion = "2011-06-15";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr size_t kMaxStsAnswerBytes = 64 * 1024;

// The AssumeRole-only fields: SourceIdentity and Tags.member.N.Key/Value.
// `names` owns the generated field names the views in `*fields` point at.
void AddAssumeRoleFields(const StsCallOptions& options, std::vector<std::string>* names,
                         std::vector<std::pair<std::string_view, std::string_view>>* fields) {
  if (!options.source_identity.empty()) {
    fields->emplace_back("SourceIdentity", options.source_identity);
  }
  names->reserve(2 * options.tags.size());  // no reallocation: views into it stay valid
  for (size_t i = 0; i < options.tags.size(); ++i) {
    const std::string prefix = "Tags.member." + std::to_string(i + 1);
    names->push_back(prefix + ".Key");
    names->push_back(prefix + ".Value");
    fields->emplace_back(names->at(2 * i), options.tags[i].first);
    fields->emplace_back(names->at(2 * i + 1), options.tags[i].second);
  }
}

}  // namespace

StsClient::StsClient(HttpClient& http, StsEndpoint endpoint, double timeout, std::string ca_file)
    : http_(http),
      endpoint_(std::move(endpoint)),
      timeout_(timeout),
      ca_file_(std::move(ca_file)) {}

bool StsClient::Call(std::string_view action, HttpRequest* request, StsAnswer* out,
                     std::string* err) {
  request->method = "POST";
  request->url = endpoint_.url;
  request->total_timeout = timeout_;
  request->connect_timeout = std::min(5.0, timeout_);
  request->ca_file = ca_file_;
  request->cancelled = cancelled_;
  request->max_response_bytes = kMaxStsAnswerBytes;
  HttpResponse response;
  const Status<HttpFailure> sent = SendAndWipe(http_, request, &response);
  const bool answered = sent.ok();
  out->http_status = answered ? response.status : 0;
  out->retry_after = answered ? response.retry_after : "";
  out->transport_failure = sent.kind();
  if (!answered) {
    WipeString(&response.body);
    *err = "STS " + endpoint_.host + ": " + sent.message();
    return false;
  }
  std::string parse_err;
  const bool parsed = ParseStsAnswer(action, response.body, out, &parse_err);
  const std::string status =
      "STS " + endpoint_.host + " answered HTTP " + std::to_string(response.status);
  if (!parsed) {
    // An STS-shaped answer that is broken gets the parser's words; anything
    // else (a proxy's HTML page, a JSON error) its status and an excerpt.
    const std::string_view start = TrimWhitespace(response.body);
    const bool sts_shaped = start.starts_with("<ErrorResponse") ||
                            start.starts_with("<" + std::string(action) + "Response") ||
                            start.starts_with("<?xml");
    *err = sts_shaped ? status + ": " + parse_err
           : start.empty()
               ? status + " with an empty body, not an STS answer"
               : status + ", not an STS answer: \"" + AnswerExcerpt(response.body) + "\"";
    WipeString(&response.body);
    return false;
  }
  WipeString(&response.body);
  if (out->ok && response.status != 200) {
    out->credentials.Clear();
    out->ok = false;
    *err = status + " with credentials; ignored";
    return false;
  }
  return true;
}

bool StsClient::AssumeRoleWithWebIdentity(const RoleArn& role, std::string_view session_name,
                                          std::string_view web_identity_token, StsAnswer* out,
                                          std::string* err) {
  return AssumeRoleWithWebIdentity(role, session_name, web_identity_token, StsCallOptions{}, out,
                                   err);
}

bool StsClient::AssumeRoleWithWebIdentity(const RoleArn& role, std::string_view session_name,
                                          std::string_view web_identity_token,
                                          const StsCallOptions& options, StsAnswer* out,
                                          std::string* err) {
  const std::string arn = role.ToString();
  const std::string duration = std::to_string(options.duration_seconds);
  HttpRequest request;
  request.headers = {{"Content-Type", std::string(kFormType)}};
  request.body = FormEncode({{"Action", "AssumeRoleWithWebIdentity"},
                             {"Version", kStsVersion},
                             {"RoleArn", arn},
                             {"RoleSessionName", session_name},
                             {"DurationSeconds", duration},
                             {"WebIdentityToken", web_identity_token}});
  return Call("AssumeRoleWithWebIdentity", &request, out, err);
}

bool StsClient::AssumeRole(const RoleArn& role, std::string_view session_name,
                           const TemporaryCredentials& credentials, std::string_view amz_date,
                           StsAnswer* out, std::string* err) {
  return AssumeRole(role, session_name, credentials, amz_date, StsCallOptions{}, out, err);
}

bool StsClient::AssumeRole(const RoleArn& role, std::string_view session_name,
                           const TemporaryCredentials& credentials, std::string_view amz_date,
                           const StsCallOptions& options, StsAnswer* out, std::string* err) {
  const std::string arn = role.ToString();
  const std::string duration = std::to_string(options.duration_seconds);
  std::vector<std::pair<std::string_view, std::string_view>> fields = {
      {"Action", "AssumeRole"},
      {"Version", kStsVersion},
      {"RoleArn", arn},
      {"RoleSessionName", session_name},
      {"DurationSeconds", duration}};
  std::vector<std::string> names;
  AddAssumeRoleFields(options, &names, &fields);
  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.host = endpoint_.host;
  to_sign.path = endpoint_.path;
  to_sign.headers = {{"Content-Type", std::string(kFormType)}};
  to_sign.payload = FormEncode(fields);
  HttpRequest request;
  if (!BuildSignedRequest(std::move(to_sign), credentials,
                          {endpoint_.region, "sts", std::string(amz_date)}, &request, err)) {
    out->http_status = 0;
    out->transport_failure = HttpFailure::kBadRequest;
    return false;
  }
  return Call("AssumeRole", &request, out, err);
}

}  // namespace irsa
