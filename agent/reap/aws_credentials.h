// The reaper's own AWS credentials, from the usual places in the SDKs' order:
// the environment keys, web identity, the container provider (Pod Identity).
// The choice is pure; each place is a provider behind one small interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aws/credential_source.h"
#include "aws/pod_identity.h"
#include "aws/sts.h"
#include "base/outcome.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "settings/settings.h"

namespace irsa {

enum class CredentialPlace { kNone, kEnvironmentKeys, kWebIdentity, kPodIdentity };

struct CredentialChoice {
  CredentialPlace place = CredentialPlace::kNone;
  std::string why;  // one line naming the variables that decided it (never their values)
};

// The SDKs' order: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY both set and
// not empty; else AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE both set;
// else AWS_CONTAINER_CREDENTIALS_FULL_URI set; else none.
CredentialChoice ChooseCredentialPlace(const Environment& env);

// Where a reaper round gets its credentials. Not thread-safe.
class AwsCredentialProvider {
 public:
  virtual ~AwsCredentialProvider() = default;
  // Fills `*out` with credentials usable at unix time `now` (overwriting its
  // fields). Returns false with one line in `*err`, never a secret, and the
  // kind: kInput (a local input is missing or malformed), kTransient,
  // kPermanent (refused).
  virtual bool Get(int64_t now, TemporaryCredentials* out, Failure* kind, std::string* err) = 0;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optional) AWS_SESSION_TOKEN,
// copied from `env` now; wiped when the provider is destroyed.
std::unique_ptr<AwsCredentialProvider> NewEnvironmentKeysProvider(const Environment& env);

// AssumeRoleWithWebIdentity (the broker's first hop, StsClient) into
// AWS_ROLE_ARN with the token in AWS_WEB_IDENTITY_TOKEN_FILE, read again for
// each call. The session is reused until 5 minutes before it expires.
// `sts_endpoint` and `region` as ResolveStsEndpoint takes them. Borrows
// `files` and `http`. Returns nullptr with `*err` for a malformed AWS_ROLE_ARN
// or an STS endpoint that cannot be resolved.
std::unique_ptr<AwsCredentialProvider> NewWebIdentityProvider(const Environment& env,
                                                              const std::string& sts_endpoint,
                                                              const std::string& region,
                                                              double timeout, Files& files,
                                                              HttpClient& http, std::string* err);

// Adapter to the credential broker's seam (aws/credential_source.h): fetches
// `recipe` from `source` and reuses the answer until 5 minutes before it
// expires. With the broker merged, its STS chain (web identity: a recipe
// with `role_arn` only) or a Pod Identity source plugs in here. Borrows
// `source`.
std::unique_ptr<AwsCredentialProvider> NewCredentialSourceProvider(CredentialSource& source,
                                                                   CredentialRecipe recipe);

// The pod's own role from the EKS Pod Identity agent at `endpoint`
// (FetchPodIdentityCredentials, the broker's first hop under Pod Identity),
// through NewCredentialSourceProvider: reused until 5 minutes before expiry,
// the token file read again for each fetch. Borrows `files` and `http`.
std::unique_ptr<AwsCredentialProvider> NewPodIdentityProvider(PodIdentityEndpoint endpoint,
                                                              Files& files, HttpClient& http);

}  // namespace irsa
