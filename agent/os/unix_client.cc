// The socket is non-blocking and every wait is a poll() bounded by one
// deadline, so a wedged agent costs the caller at most `timeout`.
#include "os/unix_client.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>

#include "base/secret.h"

namespace irsa {
namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes.
bool WaitFor(int fd, short events, double deadline) {
  for (;;) {
    const double left = deadline - Now();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(left * 1000) + 1);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Splits an HTTP/1.x answer: status line, headers, body. Returns false while
// it is incomplete (`*complete` false) or when it is malformed.
bool ParseAnswer(const std::string& raw, bool at_eof, UnixAnswer* answer, bool* complete,
                 std::string* why) {
  *complete = false;
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (at_eof) *why = "answer ended inside the headers";
    return !at_eof;
  }
  if (!raw.starts_with("HTTP/1.") || raw.size() < 12 || raw[8] != ' ') {
    *why = "not an HTTP/1.x answer";
    return false;
  }
  long status = 0;
  const auto [p, ec] = std::from_chars(raw.data() + 9, raw.data() + 12, status);
  if (ec != std::errc() || p != raw.data() + 12 || status < 100) {
    *why = "bad status line";
    return false;
  }
  std::string_view headers(raw.data(), head_end);
  std::optional<size_t> length;
  size_t pos = headers.find("\r\n");
  while (pos != std::string_view::npos) {
    const size_t next = headers.find("\r\n", pos + 2);
    std::string_view line = headers.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (name == "content-length") {
        size_t n = 0;
        const auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (e != std::errc() || q != value.data() + value.size()) {
          *why = "bad Content-Length";
          return false;
        }
        length = n;
      } else if (name == "transfer-encoding") {
        *why = "chunked answers are not read";
        return false;
      }
    }
    pos = next;
  }
  const size_t body_start = head_end + 4;
  const size_t have = raw.size() - body_start;
  if (length ? have < *length : !at_eof) {
    if (at_eof) *why = "answer shorter than its Content-Length";
    return !at_eof;
  }
  answer->status = status;
  answer->body.assign(raw, body_start, length ? *length : have);
  *complete = true;
  return true;
}

class UnixHttpClientImpl : public UnixHttpClient {
 public:
  bool Get(const std::string& socket_path, const std::string& path, double timeout,
           size_t max_bytes, UnixAnswer* answer, UnixFailure* failure, std::string* err) override {
    const std::string where = "agent socket " + socket_path + ": ";
    const double deadline = Now() + timeout;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
      *failure = UnixFailure::kNoAgent;
      *err = where + "path too long for a Unix socket";
      return false;
    }
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0)
      return Fail(UnixFailure::kProtocol, where + std::strerror(errno), failure, err);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      const int e = errno;
      if (e == EAGAIN || e == EINPROGRESS) {
        if (!WaitFor(fd.get(), POLLOUT, deadline)) {
          return Fail(UnixFailure::kTimeout, where + "connect timed out", failure, err);
        }
      } else {
        return Fail(UnixFailure::kNoAgent, where + std::strerror(e), failure, err);
      }
    }
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!WaitFor(fd.get(), POLLOUT, deadline)) {
          return Fail(UnixFailure::kTimeout, where + "sending timed out", failure, err);
        }
      } else {
        const int e = errno;
        const UnixFailure kind = e == ECONNREFUSED || e == ENOENT || e == EPIPE || e == ECONNRESET
                                     ? UnixFailure::kNoAgent
                                     : UnixFailure::kProtocol;
        return Fail(kind, where + std::strerror(e), failure, err);
      }
    }
    std::string raw;
    char buf[4096];
    bool complete = false;
    std::string why;
    for (;;) {
      const ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!WaitFor(fd.get(), POLLIN, deadline)) {
          WipeString(&raw);
          return Fail(UnixFailure::kTimeout, where + "no complete answer in time", failure, err);
        }
        continue;
      }
      if (n < 0) {
        const int e = errno;
        WipeString(&raw);
        return Fail(UnixFailure::kProtocol, where + std::strerror(e), failure, err);
      }
      if (raw.size() + static_cast<size_t>(n) > max_bytes) {
        WipeString(&raw);
        explicit_bzero(buf, sizeof(buf));
        return Fail(UnixFailure::kTooLarge,
                    where + "answer larger than " + std::to_string(max_bytes) + " bytes", failure,
                    err);
      }
      if (raw.capacity() < max_bytes) raw.reserve(max_bytes);  // never reallocates: no stray copy
      raw.append(buf, static_cast<size_t>(n));
      const bool ok = ParseAnswer(raw, n == 0, answer, &complete, &why);
      if (!ok || complete || n == 0) break;
    }
    explicit_bzero(buf, sizeof(buf));
    WipeString(&raw);
    if (!complete) {
      return Fail(UnixFailure::kProtocol, where + (why.empty() ? "unreadable answer" : why),
                  failure, err);
    }
    *failure = UnixFailure::kNone;
    return true;
  }

 private:
  static bool Fail(UnixFailure kind, std::string message, UnixFailure* failure, std::string* err) {
    *failure = kind;
    *err = std::move(message);
    return false;
  }
};

}  // namespace

std::unique_ptr<UnixHttpClient> NewUnixHttpClient() {
  return std::make_unique<UnixHttpClientImpl>();
}

}  // namespace irsa
