// Blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO, one detached thread per
// connection (256 KiB stacks), OpenSSL for TLS. The handler blocks on its
// dependencies; the accept loop never does.
#include "mapping/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/http_wire.h"
#include "base/secret.h"
#include "base/text.h"
#include "settings/listen_address.h"

namespace irsa {
namespace {

constexpr size_t kMaxHead = 8 * 1024;
constexpr size_t kThreadStack = 256 * 1024;
constexpr int kBacklog = 512;

void SetTimeouts(int fd, double read, double write) {
  auto tv = [](double s) {
    timeval t = {};
    t.tv_sec = static_cast<time_t>(s);
    t.tv_usec = static_cast<suseconds_t>((s - static_cast<double>(t.tv_sec)) * 1e6);
    return t;
  };
  const timeval r = tv(read);
  const timeval w = tv(write);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof r);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &w, sizeof w);
}

// One connection's byte stream, plain or TLS.
class Stream {
 public:
  Stream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Stream() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    close(fd_);
  }
  long Read(char* buf, size_t n) {
    if (ssl_ != nullptr) {
      const int got = SSL_read(ssl_, buf, static_cast<int>(n));
      return got > 0 ? got : -1;
    }
    for (;;) {
      const ssize_t got = recv(fd_, buf, n, 0);
      if (got < 0 && errno == EINTR) continue;
      return got > 0 ? got : -1;
    }
  }
  bool Write(std::string_view data) {
    while (!data.empty()) {
      long put;
      if (ssl_ != nullptr) {
        put = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      } else {
        put = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR) continue;
      }
      if (put <= 0) return false;
      data.remove_prefix(static_cast<size_t>(put));
    }
    return true;
  }

 private:
  int fd_;
  SSL* ssl_;
};

void Answer(Stream& stream, const ServiceAnswer& a) {
  std::string head = ResponseHead(a.status, a.content_type, a.body.size());
  std::string extra;
  if (!a.retry_after.empty()) extra += "Retry-After: " + a.retry_after + "\r\n";
  if (!a.allow.empty()) extra += "Allow: " + a.allow + "\r\n";
  head.insert(head.size() - 2, extra);
  stream.Write(head + a.body);
}

ServiceAnswer Plain(int status, std::string body) {
  ServiceAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

class Server : public MappingServer {
 public:
  Server(int fd, SSL_CTX* ctx, ServerConfig config, RequestHandler handler, int port)
      : fd_(fd), ctx_(ctx), config_(std::move(config)), handler_(std::move(handler)), port_(port) {}
  ~Server() override {
    close(fd_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }

  int port() const override { return port_; }

  void Serve(const std::function<bool()>& stop, double drain) override {
    while (!stop()) {
      pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) {
        if (errno == EMFILE || errno == ENFILE)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (active_.load() >= config_.max_connections) {
        close(conn);
        continue;
      }
      SetTimeouts(conn, config_.read_timeout, config_.write_timeout);
      Spawn(conn);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(drain);
    while (active_.load() > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  struct Job {
    Server* server;
    int fd;
  };

  void Spawn(int conn) {
    ++active_;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kThreadStack);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    auto* job = new Job{this, conn};
    if (pthread_create(&thread, &attr, &Server::Run, job) != 0) {
      delete job;
      close(conn);
      --active_;
    }
    pthread_attr_destroy(&attr);
  }

  static void* Run(void* arg) {
    std::unique_ptr<Job> job(static_cast<Job*>(arg));
    job->server->Connection(job->fd);
    --job->server->active_;
    return nullptr;
  }

  void Connection(int fd) {
    SSL* ssl = nullptr;
    if (ctx_ != nullptr) {
      ssl = SSL_new(ctx_);
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) {
        if (ssl != nullptr) SSL_free(ssl);
        ERR_clear_error();
        close(fd);
        return;
      }
    }
    Stream stream(fd, ssl);
    ServiceRequest request;
    const int status = ReadRequest(stream, &request);
    if (status != 0) {
      Answer(stream, Plain(status, status == 431   ? "request head too large"
                                   : status == 411 ? "send the body with a Content-Length"
                                                   : "bad request"));
    } else {
      Answer(stream, handler_(request));
    }
    for (auto& [name, value] : request.headers) WipeString(&value);
    ERR_clear_error();
  }

  // 0 when `*request` is complete, else the status to answer (-1: drop).
  static int ReadRequest(Stream& stream, ServiceRequest* request) {
    std::string in;
    char buf[4096];
    size_t end = std::string::npos;
    while (end == std::string::npos) {
      const long n = stream.Read(buf, sizeof buf);
      if (n <= 0) return 400;
      in.append(buf, static_cast<size_t>(n));
      end = in.find("\r\n\r\n");
      if (end == std::string::npos && in.size() > kMaxHead) return 431;
    }
    if (end > kMaxHead) return 431;
    RequestHead head;
    if (!ParseRequestHead(std::string_view(in).substr(0, end), &head)) return 400;
    request->method = std::move(head.method);
    request->path = std::move(head.path);
    request->headers = std::move(head.headers);
    std::string body = in.substr(end + 4);
    WipeString(&in);
    size_t length = 0;
    for (const auto& [name, value] : request->headers) {
      if (name == "transfer-encoding") return 411;
      if (name == "content-length") {
        if (value.empty() || value.size() > 12 ||
            value.find_first_not_of("0123456789") != std::string::npos) {
          return 400;
        }
        length = std::stoull(value);
      }
    }
    if (length > kMaxRequestBody) {
      request->body_too_large = true;
      return 0;
    }
    while (body.size() < length) {
      const long n = stream.Read(buf, std::min(sizeof buf, length - body.size()));
      if (n <= 0) return 400;
      body.append(buf, static_cast<size_t>(n));
    }
    body.resize(length);
    request->body = std::move(body);
    return 0;
  }

  int fd_;
  SSL_CTX* ctx_;
  ServerConfig config_;
  RequestHandler handler_;
  int port_;
  std::atomic<int> active_{0};
};

SSL_CTX* LoadTls(const ServerConfig& config, std::string* err) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    *err = "tls: cannot create a TLS context";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Memory per connection (docs/MAPPING_SERVICE.md, "Performance"): a
  // connection waiting on the handler holds no idle read/write buffers, and
  // no session is kept or ticketed (each sidecar connects once).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_use_certificate_chain_file(ctx, config.tls_cert_file.c_str()) != 1) {
    *err = "tls-cert-file " + config.tls_cert_file + ": not a readable PEM certificate";
  } else if (SSL_CTX_use_PrivateKey_file(ctx, config.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    *err = "tls-key-file " + config.tls_key_file + ": not a readable PEM private key";
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    *err = "tls-key-file " + config.tls_key_file + ": does not match tls-cert-file";
  } else {
    return ctx;
  }
  ERR_clear_error();
  SSL_CTX_free(ctx);
  return nullptr;
}

}  // namespace

std::unique_ptr<MappingServer> MappingServer::Start(const ServerConfig& config,
                                                    RequestHandler handler, std::string* err) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    *err = "tls-cert-file and tls-key-file go together: set both or neither";
    return nullptr;
  }
  SSL_CTX* ctx = nullptr;
  if (!config.tls_cert_file.empty() && (ctx = LoadTls(config, err)) == nullptr) return nullptr;
  std::string host;
  int port = 0;
  if (!ParseListenAddress(config.listen, true, &host, &port, err)) {
    if (ctx != nullptr) SSL_CTX_free(ctx);
    return nullptr;
  }
  sockaddr_storage storage = {};
  socklen_t len;
  const bool v6 = host.find(':') != std::string::npos;
  if (!v6) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &sin->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      listen(fd, kBacklog) != 0) {
    *err = "listen: cannot listen on " + config.listen + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    if (ctx != nullptr) SSL_CTX_free(ctx);
    return nullptr;
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len);
  const int bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                             : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  return std::make_unique<Server>(fd, ctx, config, std::move(handler), bound);
}

}  // namespace irsa
