#include "fakes/loopback_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace irsa {
namespace {

constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 4 << 20;
constexpr int kIoTimeoutSeconds = 5;
constexpr int kStallMs = 30'000;
constexpr int kDrainMs = 2'000;
constexpr size_t kChunkBytes = 64 * 1024;

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Parses "METHOD target HTTP/1.1\r\nName: value\r\n..." (without the blank line).
bool ParseHead(std::string_view head, ReceivedRequest* request) {
  size_t end = head.find("\r\n");
  const std::string_view first = head.substr(0, end);
  const size_t sp1 = first.find(' ');
  const size_t sp2 = first.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  request->method = first.substr(0, sp1);
  request->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  while (end != std::string_view::npos) {
    const size_t start = end + 2;
    end = head.find("\r\n", start);
    const std::string_view line =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    request->headers.emplace_back(std::string(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return true;
}

SSL_CTX* NewServerContext(const TestCert& cert, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  BIO* cert_bio = BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(cert.key_pem.data(), static_cast<int>(cert.key_pem.size()));
  X509* x509 = cert_bio ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  const bool ok = ctx != nullptr && x509 != nullptr && key != nullptr &&
                  SSL_CTX_use_certificate(ctx, x509) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(x509);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  if (!ok) {
    SSL_CTX_free(ctx);
    *error = "cannot set up the TLS server context";
    return nullptr;
  }
  return ctx;
}

}  // namespace

std::string ReceivedRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

bool ReceivedRequest::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
    return header.first.size() == name.size() &&
           strncasecmp(header.first.data(), name.data(), name.size()) == 0;
  });
}

// One accepted socket, with TLS on top when the server has a context.
struct LoopbackServer::Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  ~Connection() {
    if (ssl != nullptr) SSL_free(ssl);
    ::close(fd);
  }
  // Bytes read, 0 at the end of the stream, -1 on error or timeout.
  long Read(char* buffer, size_t size) {
    if (ssl != nullptr) {
      const int n = SSL_read(ssl, buffer, static_cast<int>(std::min<size_t>(size, 1 << 20)));
      return n > 0 ? n : (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
    }
    ssize_t n;
    do {
      n = ::recv(fd, buffer, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  bool Write(const char* data, size_t size) {
    while (size > 0) {
      long n;
      if (ssl != nullptr) {
        n = SSL_write(ssl, data, static_cast<int>(std::min<size_t>(size, 1 << 20)));
      } else {
        n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
      }
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
};

LoopbackServer::LoopbackServer(Reply reply, const TestCert* tls) : reply_(std::move(reply)) {
  // SSL_write to a client that went away would otherwise kill the test binary.
  std::signal(SIGPIPE, SIG_IGN);
  if (tls != nullptr) {
    ssl_ctx_ = NewServerContext(*tls, &error_);
    if (ssl_ctx_ == nullptr) return;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    error_ = std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

LoopbackServer::~LoopbackServer() {
  Stop();
  for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) ::close(fd);
  }
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::string LoopbackServer::Url(std::string_view path) const {
  return std::string(ssl_ctx_ != nullptr ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<ReceivedRequest> LoopbackServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

int LoopbackServer::connections() const {
  std::lock_guard lock(mu_);
  return connections_;
}

size_t LoopbackServer::bytes_sent() const {
  std::lock_guard lock(mu_);
  return bytes_sent_;
}

void LoopbackServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 0;
  while (::write(wake_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
}

// True when `fd` is ready for `events` within `timeout_ms`; false on
// timeout or when Stop() was called.
bool LoopbackServer::Wait(int fd, short events, int timeout_ms) const {
  pollfd fds[2] = {{fd, events, 0}, {wake_[0], POLLIN, 0}};
  int n;
  do {
    n = ::poll(fds, 2, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && fds[1].revents == 0 && fds[0].revents != 0;
}

void LoopbackServer::Serve() {
  while (Wait(listen_fd_, POLLIN, -1)) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      ++connections_;
    }
    const timeval timeout{kIoTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    Handle(fd);
  }
}

void LoopbackServer::Handle(int fd) {
  Connection conn;
  conn.fd = fd;
  if (ssl_ctx_ != nullptr) {
    conn.ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    if (conn.ssl == nullptr || SSL_set_fd(conn.ssl, fd) != 1 || SSL_accept(conn.ssl) != 1) {
      ERR_clear_error();  // e.g. the client refused our certificate
      return;
    }
  }
  std::string data;
  char chunk[kChunkBytes];
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const long n = data.size() < kMaxHeadBytes ? conn.Read(chunk, sizeof(chunk)) : -1;
    if (n <= 0) return;
    data.append(chunk, static_cast<size_t>(n));
  }
  ReceivedRequest request;
  if (!ParseHead(std::string_view(data).substr(0, head_end), &request)) return;
  request.body = data.substr(head_end + 4);
  const size_t length = std::strtoul(request.Header("Content-Length").c_str(), nullptr, 10);
  while (request.body.size() < std::min(length, kMaxBodyBytes)) {
    const long n = conn.Read(chunk, sizeof(chunk));
    if (n <= 0) return;
    request.body.append(chunk, static_cast<size_t>(n));
  }
  {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(request));
  }

  bool sending = conn.Write(reply_.bytes.data(), reply_.bytes.size());
  if (sending) {
    std::lock_guard lock(mu_);
    bytes_sent_ += reply_.bytes.size();
  }
  std::memset(chunk, 'x', sizeof(chunk));
  for (size_t left = reply_.filler_bytes; sending && left > 0;) {
    const size_t n = std::min(left, sizeof(chunk));
    sending = conn.Write(chunk, n);
    if (sending) {
      std::lock_guard lock(mu_);
      bytes_sent_ += n;
    }
    left -= n;
  }
  if (reply_.stall) {
    Wait(fd, POLLIN, kStallMs);  // the client closing (or Stop) ends it
    return;
  }
  // End the stream cleanly so close-delimited bodies are complete, then let
  // the client close first, so no unread byte turns our close into a reset.
  if (conn.ssl != nullptr) SSL_shutdown(conn.ssl);
  ::shutdown(fd, SHUT_WR);
  while (Wait(fd, POLLIN, kDrainMs) && conn.Read(chunk, sizeof(chunk)) > 0) {
  }
}

int UnusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

}  // namespace irsa
