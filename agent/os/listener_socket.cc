// Connections as small state machines on a private epoll set: reading the
// head (EPOLLIN, read deadline), handed out (not watched: the caller owns it),
// writing the answer (EPOLLOUT while the socket is full, write deadline).
// Connection ids grow from 1, so a late Respond() never reaches a newer
// connection that happens to reuse a file descriptor.

#include "os/listener_socket.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "base/http_wire.h"
#include "base/secret.h"

namespace irsa {
namespace {

constexpr uint64_t kListenId = 0;
constexpr int kMaxEvents = 64;
constexpr int kMaxRounds = 16;  // epoll_wait calls per Poll(); what is left waits for the next
constexpr int kMaxAcceptsPerPoll = 128;
constexpr size_t kMaxDrainBytes = 64 * 1024;  // unread input discarded before close
constexpr double kAcceptPause = 1;            // seconds without accepting after EMFILE

constexpr std::string_view kJson = "application/json";

enum class Phase { kReading, kHandedOut, kWriting };

struct Connection {
  int fd = -1;
  Phase phase = Phase::kReading;
  bool watched = false;  // in the epoll set
  double deadline = 0;   // kReading: head due; kWriting: last byte due
  std::string in;
  std::string out;
  size_t sent = 0;
  std::optional<uint32_t> uid;
  std::optional<int32_t> pid;
};

class SocketListener : public Listener {
 public:
  SocketListener(int listen_fd, int epoll_fd, bool peer_credentials, std::string unlink_path,
                 const ListenerLimits& limits)
      : listen_fd_(listen_fd),
        epoll_fd_(epoll_fd),
        peer_credentials_(peer_credentials),
        unlink_path_(std::move(unlink_path)),
        limits_(limits) {}

  ~SocketListener() override {
    for (auto& [id, c] : conns_) {
      close(c.fd);
      WipeString(&c.out);
    }
    close(epoll_fd_);
    close(listen_fd_);
    if (!unlink_path_.empty()) unlink(unlink_path_.c_str());
  }

  // Adds the listening socket to the epoll set; false (errno set) on failure.
  bool StartAccepting() {
    SetAccepting(true);
    return accepting_;
  }

  int fd() const override { return epoll_fd_; }
  size_t connections() const override { return conns_.size(); }

  std::vector<ListenRequest> Poll(double now) override {
    std::vector<ListenRequest> ready;
    if (!accepting_ && now >= accept_again_at_) {
      SetAccepting(true);
      if (!accepting_) accept_again_at_ = now + kAcceptPause;  // epoll_ctl failed: later
    }
    epoll_event events[kMaxEvents];
    for (int round = 0; round < kMaxRounds; ++round) {
      const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        const uint64_t id = events[i].data.u64;
        if (id == kListenId) {
          AcceptAll(now);
          continue;
        }
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        if (it->second.phase == Phase::kReading) {
          Read(id, now, &ready);
        } else if (it->second.phase == Phase::kWriting) {
          Flush(id);
        }
      }
      // Again: a connection accepted above may already hold its request.
    }
    Expire(now);
    return ready;
  }

  void Respond(uint64_t connection, int status, std::string_view body,
               std::string_view content_type, double now) override {
    auto it = conns_.find(connection);
    if (it == conns_.end() || it->second.phase != Phase::kHandedOut) return;
    Answer(connection, status, body, content_type, now);
  }

  std::optional<double> NextDeadline() const override {
    std::optional<double> next;
    if (!accepting_) next = accept_again_at_;
    for (const auto& [id, c] : conns_) {
      if (c.phase == Phase::kHandedOut) continue;
      if (!next || c.deadline < *next) next = c.deadline;
    }
    return next;
  }

 private:
  // Sets the connection's epoll interest; `events` 0 removes it from the set.
  // A failure closes the connection (it could never be served).
  bool Watch(uint64_t id, uint32_t events) {
    Connection& c = conns_.at(id);
    epoll_event ev = {};
    ev.events = events;
    ev.data.u64 = id;
    int rc = 0;
    if (events == 0) {
      if (c.watched) rc = epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
      c.watched = false;
    } else {
      rc = epoll_ctl(epoll_fd_, c.watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd, &ev);
      c.watched = rc == 0;
    }
    if (rc != 0) Close(id);
    return rc == 0;
  }

  void SetAccepting(bool on) {
    if (accepting_ == on) return;
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenId;
    if (epoll_ctl(epoll_fd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd_, &ev) == 0) {
      accepting_ = on;
    }
  }

  void AcceptAll(double now) {
    for (int i = 0; i < kMaxAcceptsPerPoll; ++i) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        // Out of descriptors: stop watching the listening socket (it would
        // stay readable and spin the loop) until a connection closes or
        // kAcceptPause has passed.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          SetAccepting(false);
          accept_again_at_ = now + kAcceptPause;
        }
        return;
      }
      if (conns_.size() >= limits_.max_connections && !CloseOldestReading()) {
        close(fd);
        continue;
      }
      const uint64_t id = next_id_++;
      Connection& c = conns_[id];
      c.fd = fd;
      c.deadline = now + limits_.read_timeout;
      if (peer_credentials_) {
        ucred cred = {};
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
          c.uid = cred.uid;
          c.pid = cred.pid;
        }
      }
      Watch(id, EPOLLIN | EPOLLRDHUP);
    }
  }

  bool CloseOldestReading() {
    for (const auto& [id, c] : conns_) {  // ids grow: the first found is the oldest
      if (c.phase == Phase::kReading) {
        Close(id);
        return true;
      }
    }
    return false;
  }

  void Read(uint64_t id, double now, std::vector<ListenRequest>* ready) {
    Connection& c = conns_.at(id);
    char buf[4096];
    for (;;) {
      const size_t room = limits_.max_head_bytes + 1 - c.in.size();
      const ssize_t n = recv(c.fd, buf, std::min(sizeof buf, room), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) {  // the peer left before its request was complete
        Close(id);
        return;
      }
      const size_t from = c.in.size() < 3 ? 0 : c.in.size() - 3;
      c.in.append(buf, static_cast<size_t>(n));
      const size_t end = c.in.find("\r\n\r\n", from);
      if (end != std::string::npos && end + 4 <= limits_.max_head_bytes) {
        HandOut(id, end, now, ready);
        return;
      }
      if (c.in.size() > limits_.max_head_bytes) {
        Answer(id, 431, R"({"status":"error","error":"request head too large"})", kJson, now);
        return;
      }
    }
  }

  void HandOut(uint64_t id, size_t head_end, double now, std::vector<ListenRequest>* ready) {
    Connection& c = conns_.at(id);
    RequestHead head;
    if (!ParseRequestHead(std::string_view(c.in.data(), head_end), &head)) {
      Answer(id, 400, R"({"status":"error","error":"bad request"})", kJson, now);
      return;
    }
    ListenRequest request;
    request.method = std::move(head.method);
    request.path = std::move(head.path);
    request.headers = std::move(head.headers);
    request.connection = id;
    request.peer_uid = c.uid;
    request.peer_pid = c.pid;
    c.phase = Phase::kHandedOut;
    if (!Watch(id, 0)) return;
    ready->push_back(std::move(request));
  }

  // Queues the answer, writes what the socket takes, closes when all is sent.
  void Answer(uint64_t id, int status, std::string_view body, std::string_view content_type,
              double now) {
    Connection& c = conns_.at(id);
    c.out = ResponseHead(status, content_type, body.size());
    c.out += body;
    c.sent = 0;
    c.phase = Phase::kWriting;
    c.deadline = now + limits_.write_timeout;
    Flush(id);
  }

  void Flush(uint64_t id) {
    Connection& c = conns_.at(id);
    while (c.sent < c.out.size()) {
      const ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Watch(id, EPOLLOUT);
        return;
      }
      if (n <= 0) {
        Close(id);
        return;
      }
      c.sent += static_cast<size_t>(n);
    }
    // All sent. Discard what the peer sent beyond the head, so that close()
    // does not reset the connection before the peer has read the answer.
    shutdown(c.fd, SHUT_WR);
    char buf[4096];
    for (size_t drained = 0; drained < kMaxDrainBytes;) {
      const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
    Close(id);
  }

  void Expire(double now) {
    std::vector<uint64_t> due;
    for (const auto& [id, c] : conns_) {
      if (c.phase != Phase::kHandedOut && now >= c.deadline) due.push_back(id);
    }
    for (uint64_t id : due) {
      if (conns_.at(id).phase == Phase::kReading) {
        Answer(id, 408, R"({"status":"error","error":"request timeout"})", kJson, now);
      } else {
        Close(id);  // an answer the peer would not take in time
      }
    }
  }

  void Close(uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    close(it->second.fd);  // also leaves the epoll set
    WipeString(&it->second.out);
    WipeString(&it->second.in);
    conns_.erase(it);
    SetAccepting(true);
  }

  const int listen_fd_;
  const int epoll_fd_;
  const bool peer_credentials_;
  const std::string unlink_path_;
  const ListenerLimits limits_;
  std::map<uint64_t, Connection> conns_;  // by id: oldest first
  uint64_t next_id_ = kListenId + 1;
  bool accepting_ = false;
  double accept_again_at_ = 0;  // while not accepting
};

}  // namespace

std::unique_ptr<Listener> NewSocketListener(int listen_fd, bool peer_credentials,
                                            std::string unlink_path, const ListenerLimits& limits,
                                            std::string* err) {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    *err = std::string("listen: epoll_create1: ") + std::strerror(errno);
    close(listen_fd);
    return nullptr;
  }
  auto listener = std::make_unique<SocketListener>(listen_fd, epoll_fd, peer_credentials,
                                                   std::move(unlink_path), limits);
  if (!listener->StartAccepting()) {
    *err = std::string("listen: epoll_ctl: ") + std::strerror(errno);
    return nullptr;
  }
  return listener;
}

}  // namespace irsa
