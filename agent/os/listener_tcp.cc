#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/listen_address.h"
#include "irsa_agent/listener.h"

namespace irsa {
namespace {

constexpr size_t kMaxRequestBytes = 8 * 1024;
constexpr int kReadBudgetMs = 2000;
constexpr int kWriteBudgetMs = 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// Reads until the end of the headers, the size bound or the time budget.
bool ReadRequestHead(int fd, std::string* head) {
  const int64_t deadline = NowMs() + kReadBudgetMs;
  char buf[1024];
  while (head->find("\r\n\r\n") == std::string::npos && head->size() < kMaxRequestBytes) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p = {fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    head->append(buf, static_cast<size_t>(n));
  }
  return head->find("\r\n\r\n") != std::string::npos;
}

void WriteAll(int fd, std::string_view data) {
  const int64_t deadline = NowMs() + kWriteBudgetMs;
  while (!data.empty()) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return;
    pollfd p = {fd, POLLOUT, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

class TcpListener : public Listener {
 public:
  explicit TcpListener(int fd) : fd_(fd) {}
  ~TcpListener() override { close(fd_); }

  int fd() const override { return fd_; }

  bool Accept(ListenRequest* out) override {
    const int conn = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn < 0) return false;
    std::string head;
    if (!ReadRequestHead(conn, &head)) {
      Respond(conn, 400, R"({"status":"error","error":"bad request"})");
      return false;
    }
    const std::string_view line = std::string_view(head).substr(0, head.find("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) {
      Respond(conn, 400, R"({"status":"error","error":"bad request line"})");
      return false;
    }
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    out->connection = conn;
    out->method = std::string(line.substr(0, sp1));
    out->path = std::string(target);
    return true;
  }

  void Respond(int connection, int status, std::string_view json_body) override {
    std::string response = "HTTP/1.1 " + std::to_string(status) + " " +
                           std::string(Reason(status)) +
                           "\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(json_body.size()) + "\r\nConnection: close\r\n\r\n";
    response += json_body;
    WriteAll(connection, response);
    close(connection);
  }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<Listener> NewTcpListener(std::string_view address, bool allow_any,
                                         std::string* err) {
  std::string host;
  int port = 0;
  if (!ParseListenAddress(address, allow_any, &host, &port, err)) return nullptr;
  sockaddr_storage storage = {};
  socklen_t len;
  int family;
  if (host.find(':') == std::string::npos) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &sin->sin_addr);
    len = sizeof(sockaddr_in);
    family = AF_INET;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  }
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = std::string("listen: socket: ") + std::strerror(errno);
    return nullptr;
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0 || listen(fd, 16) != 0) {
    *err = "listen: cannot listen on " + std::string(address) + ": " + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  return std::make_unique<TcpListener>(fd);
}

}  // namespace irsa
