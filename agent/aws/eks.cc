// The EKS Pod Identity association calls. Each GET is signed afresh (its
// own X-Amz-Date); the signed headers, which hold the session token, are
// wiped after sending. Answers are bounded in size and parsed with the
// no-throw JSON overload, every field's type checked before it is read.
#include "aws/eks.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "aws/signed_request.h"
#include "base/http_failure.h"
#include "base/text.h"
#include "base/url.h"

namespace irsa {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxEksAnswerBytes = 1 << 20;
constexpr size_t kMaxMessageBytes = 200;
constexpr size_t kMaxNextTokenBytes = 4096;

const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

bool StringMember(const Json& j, const char* key, std::string* out) {
  const Json* v = Member(j, key);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) return false;
  *out = v->get<std::string>();
  return true;
}

// Epoch seconds as a JSON number (EKS may send a fraction).
bool TimeMember(const Json& j, const char* key, int64_t* out) {
  const Json* v = Member(j, key);
  if (v == nullptr || !v->is_number()) return false;
  const double value = v->get<double>();
  if (!std::isfinite(value) || value < 0 || value > 1e11) return false;
  *out = static_cast<int64_t>(value);
  return true;
}

// The "message" of an EKS error body, one line and short; empty when none.
std::string ErrorMessage(std::string_view body) {
  const Json doc = Json::parse(body, nullptr, false);
  std::string message;
  if (doc.is_discarded() ||
      (!StringMember(doc, "message", &message) && !StringMember(doc, "Message", &message))) {
    return "";
  }
  if (message.size() > kMaxMessageBytes) message.resize(kMaxMessageBytes);
  return EscapeControl(message);
}

}  // namespace

bool IsEksPathSegment(std::string_view id) {
  return !id.empty() && id.size() <= 128 && id != "." && id != ".." &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
         });
}

bool ParseAssociationsPage(std::string_view body, std::vector<PodIdentityAssociation>* out,
                           std::string* next, std::string* err) {
  next->clear();
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "EKS list: the answer is not a JSON object";
    return false;
  }
  const Json* list = Member(doc, "associations");
  if (list == nullptr || !list->is_array()) {
    *err = "EKS list: associations is missing or not an array";
    return false;
  }
  const Json* token = Member(doc, "nextToken");
  if (token != nullptr) {
    if (!token->is_string() || token->get_ref<const std::string&>().size() > kMaxNextTokenBytes ||
        HasControlChar(token->get_ref<const std::string&>())) {
      *err = "EKS list: nextToken is not a string of at most 4096 printable bytes";
      return false;
    }
    *next = token->get<std::string>();
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    PodIdentityAssociation a;
    const char* missing = nullptr;
    if (!StringMember(item, "namespace", &a.ns)) missing = "namespace";
    if (!missing && !StringMember(item, "serviceAccount", &a.service_account))
      missing = "serviceAccount";
    if (!missing && !StringMember(item, "associationId", &a.association_id))
      missing = "associationId";
    if (missing != nullptr) {
      *err = "EKS list: associations[" + std::to_string(i) + "]." + missing +
             " is missing or not a string";
      return false;
    }
    if (!IsEksPathSegment(a.association_id)) {
      *err = "EKS list: associations[" + std::to_string(i) + "].associationId is malformed";
      return false;
    }
    StringMember(item, "associationArn", &a.association_arn);
    out->push_back(std::move(a));
  }
  return true;
}

bool ParseAssociationDetail(std::string_view body, PodIdentityAssociation* association,
                            std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  const Json* a = doc.is_discarded() ? nullptr : Member(doc, "association");
  if (a == nullptr || !a->is_object()) {
    *err = "EKS describe: the answer has no association object";
    return false;
  }
  std::string id, ns, sa;
  if (!StringMember(*a, "associationId", &id) || id != association->association_id ||
      !StringMember(*a, "namespace", &ns) || ns != association->ns ||
      !StringMember(*a, "serviceAccount", &sa) || sa != association->service_account) {
    *err = "EKS describe " + association->association_id +
           ": associationId, namespace or serviceAccount missing or not those listed";
    return false;
  }
  if (!TimeMember(*a, "createdAt", &association->created_at)) {
    *err = "EKS describe " + association->association_id +
           ": createdAt is missing or not epoch seconds";
    return false;
  }
  association->modified_at = association->created_at;
  if (Member(*a, "modifiedAt") != nullptr &&
      !TimeMember(*a, "modifiedAt", &association->modified_at)) {
    *err = "EKS describe " + association->association_id + ": modifiedAt is not epoch seconds";
    return false;
  }
  StringMember(*a, "roleArn", &association->role_arn);
  association->described = true;
  return true;
}

bool ResolveEksEndpoint(std::string_view eks_endpoint, std::string_view region, EksEndpoint* out,
                        std::string* err) {
  if (region.empty()) {
    *err = "reap needs a region (--region or AWS_REGION) to sign EKS requests";
    return false;
  }
  out->region = region;
  if (eks_endpoint.empty()) {
    const std::string suffix = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
    out->host = "eks." + std::string(region) + suffix;
    out->base = "https://" + out->host;
    return true;
  }
  return ParseServiceOrigin("eks-endpoint", eks_endpoint, &out->host, &out->base, err);
}

EksClient::EksClient(HttpClient& http, EksEndpoint endpoint, double timeout, std::string ca_file)
    : http_(http),
      endpoint_(std::move(endpoint)),
      timeout_(timeout),
      ca_file_(std::move(ca_file)) {}

EksResult EksClient::Get(const std::string& path, const std::string& query,
                         const TemporaryCredentials& credentials, std::string_view amz_date,
                         HttpResponse* response) {
  EksResult result;
  SigV4Request to_sign;
  to_sign.method = "GET";
  to_sign.host = endpoint_.host;
  to_sign.path = path;
  to_sign.query = query;
  HttpRequest request;
  std::string err;
  if (!BuildSignedRequest(std::move(to_sign), credentials,
                          {endpoint_.region, "eks", std::string(amz_date)}, &request, &err)) {
    return {{Failure::kInput, "EKS " + path + ": " + err}};
  }
  request.url = endpoint_.base + path + (query.empty() ? "" : "?" + query);
  request.headers.emplace_back("Accept", "application/json");
  request.total_timeout = timeout_;
  request.connect_timeout = std::min(5.0, timeout_);
  request.ca_file = ca_file_;
  request.max_response_bytes = kMaxEksAnswerBytes;
  ++requests_;
  const Status<HttpFailure> sent = SendAndWipe(http_, &request, response);
  if (!sent.ok()) {
    result.status = {ClassifyTransport(sent.kind(), DefaultHttpPolicy()), "EKS: " + sent.message()};
    return result;
  }
  if (response->status == 200) return result;
  const std::string detail = ErrorMessage(response->body);
  result.status = {ClassifyHttpStatus(response->status, DefaultHttpPolicy()),
                   "EKS GET " + path + " answered HTTP " + std::to_string(response->status) +
                       (detail.empty() ? "" : ": " + detail)};
  result.not_found = response->status == 404;
  return result;
}

EksResult EksClient::ListPage(std::string_view cluster, std::string_view token, int page_size,
                              const TemporaryCredentials& credentials, std::string_view amz_date,
                              std::vector<PodIdentityAssociation>* out, std::string* next) {
  const std::string path = "/clusters/" + std::string(cluster) + "/pod-identity-associations";
  std::string query = "maxResults=" + std::to_string(page_size);
  if (!token.empty()) query += "&nextToken=" + PercentEncode(token);
  HttpResponse response;
  EksResult result = Get(path, query, credentials, amz_date, &response);
  if (!result.status.ok()) return result;
  std::string err;
  if (!ParseAssociationsPage(response.body, out, next, &err)) return {{Failure::kAnswer, err}};
  return result;
}

EksResult EksClient::Describe(std::string_view cluster, PodIdentityAssociation* association,
                              const TemporaryCredentials& credentials, std::string_view amz_date) {
  const std::string path = "/clusters/" + std::string(cluster) + "/pod-identity-associations/" +
                           association->association_id;
  HttpResponse response;
  EksResult result = Get(path, "", credentials, amz_date, &response);
  if (!result.status.ok()) return result;
  std::string err;
  if (!ParseAssociationDetail(response.body, association, &err)) return {{Failure::kAnswer, err}};
  return result;
}

}  // namespace irsa
