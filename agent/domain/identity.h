// Who is asking the mapping service: the run id (and workload type) and the
// Domino credential. The choices are pure functions of the settings and of
// what was read, so that `once`, `run` and `doctor` apply the same rules;
// ResolveRequester does the reading and the one HTTP exchange around them.
#pragma once

#include <functional>
#include <string>

#include "base/log.h"
#include "base/outcome.h"
#include "domain/jwt.h"
#include "domain/labels.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "settings/settings.h"

namespace irsa {

struct Credential {
  enum class Kind { kBearer, kApiKey };  // how it is sent
  enum class Origin { kTokenFile, kApiProxy, kApiKey };
  Kind kind = Kind::kBearer;
  Origin origin = Origin::kTokenFile;
  std::string secret;  // never logged; empty until fetched for kApiProxy
  std::string source;  // "token file /x", "api proxy http://...", "api-key setting"
};

struct Requester {
  PodIdentity pod;
  std::string run_id_source;  // "labels file /x" or "run-id setting"
  Credential credential;
};

// One input as Files::Read gave it. `content` may hold a secret: wipe it
// (base/secret.h) when done.
struct InputRead {
  std::string path;
  ReadStatus status;
  std::string content;  // when status.ok()
};

// Reads `path` with at most `max_bytes`.
InputRead ReadInput(Files& files, const std::string& path, size_t max_bytes);

// Upper bound on the labels file.
inline constexpr size_t kMaxLabelsBytes = 256 * 1024;

// The run id and workload type: from the labels file when it exists (a
// broken one is an error, not a reason to fall back), else the run-id
// setting. Sets `out->pod` and `out->run_id_source`; failures are kInput.
StepStatus ChooseRunId(const Settings& settings, const InputRead& labels, Requester* out);

// The credential: the Domino token file (whitespace trimmed) when it exists,
// else the API proxy (Origin::kApiProxy with an empty secret: FetchProxyToken
// fills it), else the api-key setting. A credential that is empty or not
// a valid HTTP header value is kInput.
StepStatus ChooseCredential(const Settings& settings, const InputRead& token, Credential* out);

// For Origin::kApiProxy: GET <api-proxy>/access-token (at most
// request-timeout, stopped early once `cancelled` returns true) and, on
// success, the trimmed token in `out->secret`. A refused request or a body
// that is not a token is kInput, 5xx, 429 and network failures kTransient,
// other statuses kPermanent. Messages show the URL without userinfo or query.
StepStatus FetchProxyToken(const Settings& settings, HttpClient& http,
                           const std::function<bool()>& cancelled, Credential* out);

// Registers the credential with `log` as a secret, then logs (debug) who is
// asking: run id, sources, the credential's length.
void NoteRequester(const Requester& requester, Logger& log);

// Reads the labels and token files, applies ChooseRunId and ChooseCredential,
// and fetches the proxy token when that is the credential. On failure returns
// the kind and one line (never secret bytes). `cancelled` is passed to the API
// proxy's HTTP exchange (HttpRequest::cancelled). The credential is
// registered with `log` as a secret.
StepStatus ResolveRequester(const Settings& settings, Files& files, HttpClient& http, Logger& log,
                            Requester* out, const std::function<bool()>& cancelled = {});

}  // namespace irsa
