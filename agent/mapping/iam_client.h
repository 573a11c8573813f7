// IAM's query API, the two calls the mapping service makes: GetRole (for the
// trust policy) and UpdateAssumeRolePolicy, SigV4-signed with the service's
// own credentials (docs/MAPPING_SERVICE.md, "IAM"). Thread-safe when the
// HttpClient is (the curl one is) and the credentials are (SharedCredentials).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/sts.h"
#include "base/outcome.h"
#include "irsa_agent/http.h"
#include "mapping/kube_api.h"
#include "mapping/trust_store.h"
#include "reap/aws_credentials.h"

namespace irsa {

struct IamEndpoint {
  std::string base;                  // "https://iam.amazonaws.com"
  std::string host;                  // the Host header
  std::string region = "us-east-1";  // signing region of the global endpoint
};

// `setting` (iam-endpoint; empty: https://iam.amazonaws.com) as scheme://host[:port];
// plain http only to loopback. False with one line in `*err`.
bool ResolveIamEndpoint(std::string_view setting, IamEndpoint* out, std::string* err);

// The service's AWS credentials behind a mutex, shared by every thread.
class SharedCredentials {
 public:
  explicit SharedCredentials(AwsCredentialProvider& provider) : provider_(provider) {}
  StepStatus Get(int64_t now, TemporaryCredentials* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    return provider_.Get(now, out);
  }

 private:
  std::mutex mutex_;
  AwsCredentialProvider& provider_;
};

// The PolicyDocument of a GetRole answer, URL-decoded (pure).
bool ParseGetRoleAnswer(std::string_view body, std::string* policy, std::string* err);
// The Code and Message of an IAM ErrorResponse (ErrorResponse/Error, or
// ErrorResponse/Errors/Error); empty when there is none (pure).
void ParseIamError(std::string_view body, std::string* code, std::string* message);

class IamClient : public TrustStore {
 public:
  // Borrows everything; `wall` gives unix seconds (for signing); `observe`
  // hears of every call ("iam").
  IamClient(HttpClient& http, IamEndpoint endpoint, double timeout, SharedCredentials& credentials,
            std::function<double()> wall, CallObserver observe = nullptr);

  IamResult GetTrustPolicy(std::string_view role_name, std::string* policy) override;
  IamResult UpdateTrustPolicy(std::string_view role_name, std::string_view policy) override;

 private:
  IamResult Call(std::string_view body, std::string* answer);

  HttpClient& http_;
  IamEndpoint endpoint_;
  double timeout_;
  SharedCredentials& credentials_;
  std::function<double()> wall_;
  CallObserver observe_;
};

}  // namespace irsa
