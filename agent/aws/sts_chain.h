// StsChain: the CredentialSource that runs the role chain against AWS STS.
// The base credentials (domain/base_credentials.h) are chosen on every Fetch,
// so a token that appears or goes away is followed:
// * web identity: first hop AssumeRoleWithWebIdentity with the web identity
//   token, read fresh from its file (the kubelet rotates it); for a target
//   profile a second hop AssumeRole, signed with SigV4 by the first hop's
//   credentials;
// * Pod Identity: first hop the EKS Pod Identity agent's credentials (the
//   pod's own role, aws/pod_identity.h); second hop AssumeRole into the
//   recipe's `role_arn`, signed by them (`source_role_arn` is not used).
// Each AssumeRole* asks for one hour, the most a chained session may last.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credential_source.h"
#include "aws/pod_identity.h"
#include "domain/base_credentials.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "settings/settings.h"

namespace irsa {

struct StsChainOptions {
  std::string web_identity_token_file;    // as read (root-path applied)
  std::string region;                     // empty: the partition's global endpoint
  std::string sts_endpoint;               // the sts-endpoint setting; empty: regional
  std::string ca_file;                    // extra trust for an HTTPS sts-endpoint (read path)
  double timeout = 10;                    // limit for each STS exchange
  std::string base_credentials = "auto";  // the base-credentials setting
  // The Pod Identity agent; `uri` or `token_file` empty: that variable is unset.
  PodIdentityEndpoint pod_identity;
};

// Maps one STS answer (or its absence) to a failure kind: Throttling (or HTTP
// 429) is transient and throttled; IDPCommunicationError, 5xx and no answer
// at all (connection, TLS, time-out) are transient; every other STS error
// (AccessDenied, InvalidIdentityToken, ExpiredTokenException,
// RegionDisabledException, ...) and other 4xx are refusals (kPermanent).
// Public for tests.
Failure ClassifyStsFailure(const StsAnswer& answer, bool answered, bool* throttled);

// The options `run` and `credentials` use: the settings' token file and
// ca-file as read (root-path applied), region, sts-endpoint, request-timeout,
// base-credentials and the Pod Identity endpoint (PodIdentityEndpointFor).
StsChainOptions StsChainOptionsFor(const Settings& settings);

class StsChain : public CredentialSource {
 public:
  // Borrows `http` and `files`; `wall_clock` gives unix seconds (SigV4 dates,
  // Retry-After dates).
  StsChain(HttpClient& http, Files& files, std::function<double()> wall_clock,
           StsChainOptions options);

  // Thread-compatible. Never logs; every message is one line without secrets.
  CredentialFetch Fetch(const CredentialRecipe& recipe) override;

  // A fetch in flight stops early once `cancelled` returns true (SIGTERM).
  void SetCancelled(std::function<bool()> cancelled) override { cancelled_ = std::move(cancelled); }

 private:
  bool ReadToken(std::string* token, CredentialFetch* out);
  // Fetch's work; each STS call made is appended to `*calls`.
  CredentialFetch Run(const CredentialRecipe& recipe,
                      std::vector<std::pair<std::string_view, Failure>>* calls);
  // The base for this Fetch, by the rules of domain/base_credentials.h.
  BaseCredentials ChooseBase();

  HttpClient& http_;
  Files& files_;
  std::function<double()> wall_clock_;
  StsChainOptions options_;
  std::function<bool()> cancelled_;
};

}  // namespace irsa
