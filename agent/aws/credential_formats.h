// The shapes one cached credential takes on the wire, one per protocol the
// agent serves (docs/PROTOCOLS.md): credential_process (the Unix socket),
// container credentials (ECS / EKS Pod Identity, the credentials listener)
// and instance metadata (IMDS, the same listener under /imds/<profile>/).
// Pure. Every body is built in one allocation of its final size, so no freed
// buffer keeps a partial copy of the secrets; the caller wipes it after use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/sts.h"

namespace irsa {

enum class CredentialFormat {
  kProcess,    // {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
  kContainer,  // {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
  kImds,       // {"Code": "Success", "LastUpdated", "Type": "AWS-HMAC", "AccessKeyId",
               //  "SecretAccessKey", "Token", "Expiration"}
  kImdsName,   // the profile's name alone (text/plain): IMDS' security-credentials/ listing
};

// What a cache hit holds, borrowed.
struct CredentialView {
  const TemporaryCredentials& credentials;
  int64_t expires_at;  // unix seconds
  int64_t issued_at;   // unix seconds
  std::string_view role_arn;
  std::string_view profile;
};

// The exact credential_process answer: {"Version": 1, "AccessKeyId": ...,
// "SecretAccessKey": ..., "SessionToken": ..., "Expiration": FormatRfc3339(expires_at)},
// built in one allocation so no partial copy is left behind. Wipe it after use.
std::string CredentialProcessJson(const TemporaryCredentials& credentials, int64_t expires_at);

// The 200 body of `format` for `view`. Timestamps are RFC 3339 ("Z").
std::string FormatCredentials(CredentialFormat format, const CredentialView& view);

// The Content-Type of a 200 answer in `format` (errors are always JSON).
std::string_view CredentialContentType(CredentialFormat format);

}  // namespace irsa
