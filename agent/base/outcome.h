// What kind of failure a step had, so callers branch on a kind, not on text.
#pragma once

#include <string_view>

#include "base/error.h"

namespace irsa {

enum class Failure {
  kNone,
  kTransient,  // network, time-out, 5xx, 404, 429: retry with backoff
  kPermanent,  // 401, 403, other 4xx: the credential or request is refused
  kInput,      // a local input (labels, token, credential) is missing or malformed
  kAnswer,     // the service answered 200 with something unusable
  kPublish,    // the config file could not be written
};

// A step's failure kind and its one line (no secret): sync, identity, once.
using StepStatus = Status<Failure>;

std::string_view FailureName(Failure failure);  // "transient", "refused", ...

// Process exit codes; the README documents each.
enum ExitCode : int {
  kExitOk = 0,
  kExitUnavailable = 1,  // the service stayed unavailable until `timeout`; status: not ready;
                         // doctor: a check failed
  kExitUsage = 2,        // bad flags, settings or INI file
  kExitRefused = 3,      // the service refused the credential or request (401, 403, 4xx)
  kExitInput = 4,        // a local input is missing or malformed
  kExitAnswer = 5,       // the service's answer was unusable until `timeout`
  kExitPublish = 6,      // the config file could not be written
  kExitInternal = 70,    // a bug: please report it
};

int ExitCodeFor(Failure failure);

}  // namespace irsa
