// The two Domino API calls of the mapping service: who is asking, and their
// organisations. The caller's credential header is forwarded unchanged, to
// domino-api only, and wiped after each call.
#pragma once

#include <semaphore>
#include <string>
#include <vector>

#include "irsa_agent/http.h"
#include "mapping/kube_api.h"

namespace irsa {

// The caller's Domino credential: "Authorization" or "X-Domino-Api-Key" and its
// value. An empty `header` sends none (the doctor asks whether Domino answers).
struct DominoCredential {
  std::string header;
  std::string value;  // secret: never logged
};

enum class DominoOutcome {
  kOk,
  kUnauthorized,  // Domino said 401 or 403: a 401 to the caller
  kUnavailable,   // anything else: a 503 to the caller
};

struct DominoReply {
  DominoOutcome outcome = DominoOutcome::kOk;
  std::string message;  // one line, never the credential
  long status = 0;      // the HTTP status; 0 when none came back
};

class DominoClient {
 public:
  // `base`: "http://nucleus-frontend.domino-platform:80" (no trailing '/').
  // At most kMaxParallel calls at once; more wait for a slot.
  DominoClient(HttpClient& http, std::string base, double timeout, CallObserver observe);
  static constexpr int kMaxParallel = 16;

  DominoReply Principal(const DominoCredential& credential, std::string* canonical_id,
                        bool* is_admin);
  DominoReply Organizations(const DominoCredential& credential, std::vector<std::string>* names);

 private:
  DominoReply Get(const char* path, const DominoCredential& credential, std::string* body);

  HttpClient& http_;
  std::string base_;
  double timeout_;
  CallObserver observe_;
  std::counting_semaphore<kMaxParallel> slots_{kMaxParallel};
};

}  // namespace irsa
