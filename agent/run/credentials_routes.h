// The credentials listener's routes (`credentials-listen`), pure: which
// requests are refused, which get an answer at once (IMDS session tokens),
// and which the broker answers from its cache, in which shape. The wire
// formats and status codes are in docs/PROTOCOLS.md:
//   any request with X-Forwarded-For                    403
//   GET /v1/credentials/<profile>   (container)         Authorization missing 401,
//                                                       wrong 403, else the broker
//   PUT /imds/<p>/latest/api/token  (IMDS on)           TTL header 1..21600, else 400
//   GET /imds/<p>/latest/meta-data/iam/security-credentials/[<p>]
//                                                       session token missing or
//                                                       invalid 401, else the broker
//   anything else                                       404 (GET) or 405
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/credential_formats.h"
#include "irsa_agent/listener.h"
#include "run/imds.h"
#include "run/routes.h"

namespace irsa {

// What a request on the credentials listener gets.
struct CredentialsRoute {
  // Set: send this now. Unset: the broker answers for `profile` in `format`.
  std::optional<RouteAnswer> answer;
  std::string profile;
  CredentialFormat format = CredentialFormat::kContainer;
};

struct CredentialsAccess {
  std::string_view token;    // the content of credentials-token-file
  const ImdsSessions* imds;  // null: IMDS is off (its paths are 404)
  double now = 0;            // unix seconds
};

CredentialsRoute RouteCredentialsRequest(const ListenRequest& request,
                                         const CredentialsAccess& access);

}  // namespace irsa
