// Who is asking the mapping service: the run id (and workload type) and the
// Domino credential.
#pragma once

#include <functional>
#include <string>

#include "core/labels.h"
#include "core/log.h"
#include "core/outcome.h"
#include "core/settings.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"

namespace irsa {

struct Credential {
  enum class Kind { kBearer, kApiKey };
  Kind kind = Kind::kBearer;
  std::string secret;  // never logged
  std::string source;  // "token file /x", "api proxy http://...", "api-key setting"
};

struct Requester {
  PodIdentity pod;
  std::string run_id_source;  // "labels file /x" or "run-id setting"
  Credential credential;
};

// Upper bounds on what is read.
inline constexpr size_t kMaxLabelsBytes = 256 * 1024;
inline constexpr size_t kMaxTokenBytes = 64 * 1024;

// The run id: from the labels file when it exists, else the run-id setting.
// The credential: the Domino token file (whitespace trimmed) when it exists,
// else GET <api-proxy>/access-token, else the api-key setting. Returns false
// with the failure kind and one line in `*err` (never secret bytes). A
// credential holding a control character, or empty, is kInput. `cancelled`
// is passed to the API proxy's HTTP exchange (HttpRequest::cancelled).
bool ResolveRequester(const Settings& settings, Files& files, HttpClient& http, Logger& log,
                      Requester* out, Failure* failure, std::string* err,
                      const std::function<bool()>& cancelled = {});

}  // namespace irsa
