// The mapping service's HTTP/1.1 server: plain or TLS (tls-cert-file and
// tls-key-file, PEM), one request per connection (Connection: close), each
// connection on its own small thread, at most `max_connections` at once
// (more are closed at accept). A slow dependency holds only the
// connections waiting on it: /healthz is answered on a fresh thread.
// Request heads over 8 KiB get 431; a head or body not received within
// `read_timeout` is dropped; a Transfer-Encoding body gets 411.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "mapping/service.h"

namespace irsa {

struct ServerConfig {
  std::string listen;         // HOST:PORT, any address allowed
  std::string tls_cert_file;  // both empty: plain HTTP
  std::string tls_key_file;
  int max_connections = 1024;
  double read_timeout = 10;
  double write_timeout = 10;
};

using RequestHandler = std::function<ServiceAnswer(const ServiceRequest&)>;

class MappingServer {
 public:
  // Binds, loads the certificate and key. nullptr with one line in `*err`.
  static std::unique_ptr<MappingServer> Start(const ServerConfig& config, RequestHandler handler,
                                              std::string* err);
  virtual ~MappingServer() = default;
  // Accepts until `stop()` turns true (checked every 0.2 s), then waits up to
  // `drain` seconds for the open connections.
  virtual void Serve(const std::function<bool()>& stop, double drain) = 0;
  virtual int port() const = 0;
};

}  // namespace irsa
