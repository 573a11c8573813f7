// One sync: who is asking -> the mapping call (or mapping file) -> validated
// pairs -> rendered config -> atomic publish.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/outcome.h"
#include "domain/answer.h"
#include "domain/render.h"
#include "domain/session_name.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "settings/settings.h"

namespace irsa {

struct SyncResult {
  StepStatus status;                  // the failure kind and one line for the user, no secret
  std::optional<double> retry_after;  // seconds, when the service said so
  bool changed = false;               // the file was rewritten
  std::vector<std::string> profiles;  // target profile names written, in order
  std::vector<std::string> dropped;   // "NAME: why" for pairs left out
  std::string config_hash;            // SHA-256 hex of the rendered bytes
  std::string rendered;               // the rendered bytes
  // The mapping HTTP exchange's seconds, when it got an answer.
  std::optional<double> mapping_seconds;
  // The pairs written, in order; under EKS Pod Identity (no src_X written)
  // each with an empty proxy_role, as ParsePodIdentityConfig reads them.
  std::vector<ProfilePair> pairs;
  AuditTrail audit;  // who the STS calls name (session_name.h)
};

// Upper bound on a mapping answer (and a mapping file).
inline constexpr size_t kMaxAnswerBytes = 1 << 20;

// The JSON body of the mapping call: {"run_id": ...[, "irsa_workload_type": ...]}.
std::string MappingRequestBody(const std::string& run_id, const std::string& workload_type);

struct Requester;

// The mapping call exactly as CONTRACT.md section 3 describes it: POST to the
// endpoint, JSON body, the credential as Authorization: Bearer or
// X-Domino-Api-Key, the CA file (root-path applied), the 1 MiB answer limit,
// and time-outs of at most `request_timeout` (connect at most 5 s of it).
HttpRequest MappingRequest(const Settings& settings, const Requester& requester,
                           double request_timeout);

// Classifies an HTTP status of the mapping call: 200 -> kNone, 404/408/429/5xx
// -> kTransient, other 4xx (401, 403, 400) and 3xx -> kPermanent.
Failure ClassifyStatus(long status);

class Syncer {
 public:
  // Borrows everything; `wall_clock` gives unix seconds for Retry-After dates
  // and to measure how much of the time budget the API proxy's exchange used.
  Syncer(const Settings& settings, Files& files, HttpClient& http, Logger& log,
         std::function<double()> wall_clock);

  // One attempt. With `publish` false the config is rendered but not written.
  // The HTTP exchanges take at most `time_budget` seconds in all (and each at
  // most request-timeout).
  SyncResult Sync(bool publish, double time_budget = 1e9);

  // Makes every HTTP exchange stop early once `cancelled` returns true.
  void set_cancel(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

 private:
  bool FetchAnswer(double time_budget, std::string* body, SyncResult* result);
  // The user, run and project for the audit trail, best effort (never fails).
  void NoteAudit(const Requester& requester);
  void NoteAuditWithoutRequester();
  RenderOptions MakeRenderOptions(const AuditTrail& audit) const;

  const Settings& settings_;
  Files& files_;
  HttpClient& http_;
  Logger& log_;
  std::function<double()> wall_clock_;
  std::function<bool()> cancelled_;
  std::string user_;
  std::string run_id_;
  std::string project_;
};

}  // namespace irsa
