#include "aws/signed_request.h"

#include <utility>
#include <vector>

#include "base/secret.h"

namespace irsa {

bool BuildSignedRequest(SigV4Request to_sign, const TemporaryCredentials& credentials,
                        const SigV4Scope& scope, HttpRequest* out, std::string* err) {
  const SigV4Credentials keys{credentials.access_key_id, credentials.secret_access_key,
                              credentials.session_token};
  std::vector<std::pair<std::string, std::string>> signature;
  if (!SignV4(to_sign, keys, scope, &signature, err)) return false;
  out->method = to_sign.method;
  out->headers.clear();
  out->headers.reserve(1 + to_sign.headers.size() + signature.size());
  out->headers.emplace_back("Host", to_sign.host);
  for (auto& header : to_sign.headers) out->headers.push_back(std::move(header));
  for (auto& header : signature) out->headers.push_back(std::move(header));
  out->body = std::move(to_sign.payload);
  return true;
}

Status<HttpFailure> SendAndWipe(HttpClient& http, HttpRequest* request, HttpResponse* response) {
  Status<HttpFailure> sent = http.Send(*request, response);
  WipeString(&request->body);
  for (auto& [name, value] : request->headers) WipeString(&value);
  return sent;
}

}  // namespace irsa
