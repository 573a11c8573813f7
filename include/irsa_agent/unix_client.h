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
  // reads the answer: at most `max_bytes` in all, within `timeout` seconds
  // for connecting, sending and reading together. Returns ok() with the
  // status and body (Content-Length honoured, else read to the end); else the
  // kind (callers fall back to working alone on kNoAgent and kTimeout) and
  // one line naming the socket.
  virtual Status<UnixFailure> Get(const std::string& socket_path, const std::string& path,
                                  double timeout, size_t max_bytes, UnixAnswer* answer) = 0;
};

std::unique_ptr<UnixHttpClient> NewUnixHttpClient();

}  // namespace irsa
