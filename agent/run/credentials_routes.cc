#include "run/credentials_routes.h"

#include <utility>

#include "aws/broker.h"
#include "base/secret.h"

namespace irsa {
namespace {

constexpr std::string_view kContainerPrefix = "/v1";

const std::string* Header(const ListenRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

CredentialsRoute Now(int status, std::string_view message) {
  CredentialsRoute route;
  route.answer = RouteAnswer{status, ErrorJson(message)};
  return route;
}

CredentialsRoute Broker(std::string profile, CredentialFormat format) {
  CredentialsRoute route;
  route.profile = std::move(profile);
  route.format = format;
  return route;
}

CredentialsRoute Container(const ListenRequest& request, std::string profile,
                           const CredentialsAccess& access) {
  if (request.method != "GET") return Now(405, "GET only");
  const std::string* token = Header(request, "authorization");
  if (token == nullptr || token->empty()) {
    return Now(401, "the Authorization header must hold the agent's credentials token");
  }
  if (access.token.empty() || !SecretEquals(*token, access.token)) {
    return Now(403, "wrong credentials token");
  }
  return Broker(std::move(profile), CredentialFormat::kContainer);
}

CredentialsRoute Imds(const ListenRequest& request, ImdsTarget target,
                      const CredentialsAccess& access) {
  if (target.resource == ImdsResource::kToken) {
    if (request.method != "PUT") return Now(405, "PUT only");
    const std::string* ttl_text = Header(request, kImdsTtlHeader);
    int ttl = 0;
    if (ttl_text == nullptr || !ParseImdsTtl(*ttl_text, &ttl)) {
      return Now(400, "X-aws-ec2-metadata-token-ttl-seconds must be 1 to 21600");
    }
    if (!IsValidBrokerProfileName(target.profile)) return Now(404, "not found");
    std::string token = access.imds->Issue(target.profile, ttl, access.now);
    if (token.empty()) return Now(500, "cannot make a session token");
    CredentialsRoute route;
    route.answer = RouteAnswer{200, std::move(token), "text/plain"};
    return route;
  }
  if (request.method != "GET") return Now(405, "GET only");
  const std::string* session = Header(request, kImdsTokenHeader);
  if (session == nullptr || !access.imds->Valid(*session, target.profile, access.now)) {
    return Now(401, "a valid X-aws-ec2-metadata-token is required (PUT latest/api/token)");
  }
  switch (target.resource) {
    case ImdsResource::kCredentialsList:
      return Broker(std::move(target.profile), CredentialFormat::kImdsName);
    case ImdsResource::kCredentials:
      if (target.name != target.profile) return Now(404, "not found");
      return Broker(std::move(target.profile), CredentialFormat::kImds);
    case ImdsResource::kToken:
    case ImdsResource::kOther:
      break;
  }
  return Now(404, "not found");
}

}  // namespace

CredentialsRoute RouteCredentialsRequest(const ListenRequest& request,
                                         const CredentialsAccess& access) {
  if (Header(request, "x-forwarded-for") != nullptr) {
    return Now(403, "requests through a proxy (X-Forwarded-For) are refused");
  }
  const std::string_view path = request.path;
  if (path.substr(0, kContainerPrefix.size()) == kContainerPrefix) {
    std::optional<std::string> profile = CredentialProfileFromPath(path.substr(3));
    if (profile) return Container(request, std::move(*profile), access);
  }
  if (access.imds != nullptr) {
    std::optional<ImdsTarget> target = ParseImdsPath(path);
    if (target) return Imds(request, std::move(*target), access);
  }
  return request.method == "GET" || request.method == "PUT" ? Now(404, "not found")
                                                            : Now(405, "GET or PUT only");
}

}  // namespace irsa
