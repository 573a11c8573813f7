// A scripted HTTP/1.1 server on 127.0.0.1 for tests of the real HttpClient.
// It serves one connection at a time on its own thread: reads one request
// (head and Content-Length body), records it, then plays the Reply, which
// may be malformed, truncated, oversized or never finished on purpose.
// Every socket wait is bounded (5 s per read or write, 30 s per stall).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "fakes/test_pki.h"

namespace irsa {

struct ReceivedRequest {
  std::string method;
  std::string target;  // as sent: "/path" or, through a proxy, an absolute URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The value of header `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct Reply {
  std::string bytes;        // written as-is: status line, headers, body
  size_t filler_bytes = 0;  // then this many 'x' bytes
  bool stall = false;       // then keep the connection open until the client closes it
};

class LoopbackServer {
 public:
  // Plain HTTP, or HTTPS with `tls` (certificate and key) when given.
  explicit LoopbackServer(Reply reply, const TestCert* tls = nullptr);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>" (https with TLS).
  std::string Url(std::string_view path = "/") const;

  std::vector<ReceivedRequest> requests() const;
  int connections() const;    // accepted, including failed TLS handshakes
  size_t bytes_sent() const;  // of Reply bytes and filler, over all connections

  // Stops serving (ends a stall at once) and joins the thread. Idempotent.
  void Stop();

 private:
  struct Connection;
  void Serve();
  void Handle(int fd);
  bool Wait(int fd, short events, int timeout_ms) const;

  Reply reply_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept out of this header
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::string error_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  int connections_ = 0;
  size_t bytes_sent_ = 0;
};

// A port on 127.0.0.1 where nothing listens: bound, then closed again.
int UnusedLoopbackPort();

}  // namespace irsa
