// The optional loopback HTTP listener that stands in for the later-generation
// sidecar (GET /healthz, GET /refresh). A minimal responder on purpose: the
// agent is one thread, and two routes need no framework (see README).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace irsa {

struct ListenRequest {
  int connection = -1;  // pass back to Respond()
  std::string method;
  std::string path;  // without the query string
};

class Listener {
 public:
  virtual ~Listener() = default;
  virtual int fd() const = 0;
  // Accepts one pending connection and reads its request line and headers
  // (at most 8 KiB, at most 2 s). Returns false when there was nothing to
  // accept or the request was unusable (already answered 400 and closed).
  virtual bool Accept(ListenRequest* out) = 0;
  // Sends a JSON answer and closes the connection (writes bounded to 1 s).
  virtual void Respond(int connection, int status, std::string_view json_body) = 0;
};

// Binds and listens. Returns nullptr with `*err` on failure.
std::unique_ptr<Listener> NewTcpListener(std::string_view address, bool allow_any,
                                         std::string* err);

}  // namespace irsa
