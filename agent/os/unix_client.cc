// The socket is non-blocking and every wait is a poll() bounded by one
// deadline, so a wedged agent costs the caller at most `timeout`.
#include "irsa_agent/unix_client.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/http_wire.h"
#include "base/secret.h"
#include "os/unique_fd.h"

namespace irsa {
namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

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

// Connects, trying again while the server's backlog is full (EAGAIN: a
// Unix socket does not connect in the background, the attempt failed) until
// `deadline`. Returns 0, or the errno of the last attempt (ETIMEDOUT when
// the backlog stayed full).
int ConnectUntil(int fd, const sockaddr_un& addr, double deadline) {
  constexpr double kFirstPause = 0.005;
  constexpr double kMaxPause = 0.05;
  double pause = kFirstPause;
  for (int attempt = 0; attempt < 10000; ++attempt) {
    if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return 0;
    const int e = errno;
    if (e == EINTR) continue;
    if (e == EINPROGRESS) return WaitFor(fd, POLLOUT, deadline) ? 0 : ETIMEDOUT;
    if (e != EAGAIN) return e;
    const double left = deadline - Now();
    if (left <= 0) return ETIMEDOUT;
    const double wait = std::min(pause, left);
    timespec ts{static_cast<time_t>(wait), static_cast<long>((wait - double(time_t(wait))) * 1e9)};
    nanosleep(&ts, nullptr);
    pause = std::min(pause * 2, kMaxPause);
  }
  return ETIMEDOUT;
}

class UnixHttpClientImpl : public UnixHttpClient {
 public:
  explicit UnixHttpClientImpl(double acknowledged_timeout)
      : acknowledged_timeout_(acknowledged_timeout) {}

  Status<UnixFailure> Get(const std::string& socket_path, const std::string& path, double timeout,
                          size_t max_bytes, UnixAnswer* answer) override {
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    if (Exchange(socket_path, path, timeout, max_bytes, answer, &failure, &err)) return {};
    return {failure, err};
  }

 private:
  // Get's work, failing through Fail below.
  bool Exchange(const std::string& socket_path, const std::string& path, double timeout,
                size_t max_bytes, UnixAnswer* answer, UnixFailure* failure, std::string* err) {
    const std::string where = "agent socket " + socket_path + ": ";
    double deadline = Now() + timeout;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
      *failure = UnixFailure::kNoAgent;
      *err = where + "path too long for a Unix socket";
      return false;
    }
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0)
      return Fail(UnixFailure::kProtocol, where + std::strerror(errno), failure, err);
    const int connected = ConnectUntil(fd.get(), addr, deadline);
    if (connected == ETIMEDOUT) {
      return Fail(UnixFailure::kTimeout, where + "the agent is busy (no room to connect in time)",
                  failure, err);
    }
    if (connected != 0) {
      return Fail(UnixFailure::kNoAgent, where + std::strerror(connected), failure, err);
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
    if (raw.capacity() < max_bytes) raw.reserve(max_bytes);  // never reallocates: no stray copy
    char buf[4096];
    ResponseParse parsed;
    size_t acknowledged = 0;  // interim answers seen
    bool at_eof = false;
    while (!at_eof) {
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
        return Fail(e == ECONNRESET ? UnixFailure::kNoAgent : UnixFailure::kProtocol,
                    where + std::strerror(e), failure, err);
      }
      if (raw.size() + static_cast<size_t>(n) > max_bytes) {
        WipeString(&raw);
        explicit_bzero(buf, sizeof(buf));
        return Fail(UnixFailure::kTooLarge,
                    where + "answer larger than " + std::to_string(max_bytes) + " bytes", failure,
                    err);
      }
      raw.append(buf, static_cast<size_t>(n));
      at_eof = n == 0;
      parsed = ParseResponse(raw, at_eof);
      if (parsed.progress != ResponseProgress::kIncomplete) break;
      if (parsed.interim > acknowledged) {
        // The server is alive and working on it: wait for its answer.
        acknowledged = parsed.interim;
        deadline = std::max(deadline, Now() + acknowledged_timeout_);
      }
    }
    explicit_bzero(buf, sizeof(buf));
    if (parsed.progress != ResponseProgress::kComplete) {
      // Closed before a byte of the final answer (nothing, or interim heads
      // only): the agent stopped or was killed.
      const bool gone =
          at_eof && (raw.empty() || (parsed.interim > 0 && raw.ends_with("\r\n\r\n")));
      WipeString(&raw);
      if (gone) {
        return Fail(UnixFailure::kNoAgent, where + "the agent closed the connection unanswered",
                    failure, err);
      }
      return Fail(UnixFailure::kProtocol, where + parsed.error, failure, err);
    }
    answer->status = parsed.status;
    answer->body.assign(raw, parsed.body_start, parsed.body_size);
    WipeString(&raw);
    *failure = UnixFailure::kNone;
    return true;
  }

  static bool Fail(UnixFailure kind, std::string message, UnixFailure* failure, std::string* err) {
    *failure = kind;
    *err = std::move(message);
    return false;
  }

  const double acknowledged_timeout_;
};

}  // namespace

std::unique_ptr<UnixHttpClient> NewUnixHttpClient(double acknowledged_timeout) {
  return std::make_unique<UnixHttpClientImpl>(acknowledged_timeout);
}

}  // namespace irsa
