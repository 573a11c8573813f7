// One HTTP/1.1 GET over a Unix stream socket: how `irsa-agent credentials`
// asks the running agent (the broker) for a profile's credentials.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/error.h"

namespace irsa {

enum class UnixFailure {
  kNone,
  kNoAgent,   // no socket file, nobody listening (ENOENT, ECONNREFUSED, not a socket)
  kTimeout,   // no complete answer within the time limit
  kTooLarge,  // the answer is over the size limit
  kProtocol,  // not an HTTP/1.x answer this client reads, or a socket error
};

struct UnixAnswer {
  long status = 0;
  std::string body;  // may hold secrets: the caller wipes it
};

class UnixHttpClient {
 public:
  virtual ~UnixHttpClient() = default;
  // Sends `GET <path>` (Connection: close) to the socket at `socket_path` and
  // reads the answer (base/http_wire.h ParseResponse): at most `max_bytes` in
  // all, within `timeout` seconds for connecting, sending and reading
  // together, or, once the server sent an interim answer (102 Processing:
  // it works on the request), within the client's `acknowledged_timeout`
  // from then. A socket whose backlog is full (a busy server) is tried
  // again until the deadline. Returns ok() with the status and body; else the
  // kind (callers fall back to working alone on kNoAgent and kTimeout) and
  // one line naming the socket. A server that closes without a final answer
  // counts as kNoAgent (it stopped).
  virtual Status<UnixFailure> Get(const std::string& socket_path, const std::string& path,
                                  double timeout, size_t max_bytes, UnixAnswer* answer) = 0;
};

// `acknowledged_timeout`: seconds to wait for the final answer after an
// interim one; 0 keeps the first deadline.
std::unique_ptr<UnixHttpClient> NewUnixHttpClient(double acknowledged_timeout = 0);

}  // namespace irsa
