// A non-blocking HTTP/1.1 responder driven by the one event loop: the
// optional `run` listener (GET /healthz, /refresh, /metrics) over TCP, and
// the credential broker's Unix socket. A minimal responder on purpose (one
// request per connection, no body read, `Connection: close`): the agent is one
// thread, and a handful of routes need no framework (see README).
//
// The loop adds fd() to its epoll set (EPOLLIN), calls Poll(now) whenever it
// is readable or NextDeadline() has passed, answers each returned request with
// Respond() at once or later (a deferred answer, e.g. /refresh after the
// sync), and never waits on a connection: every socket is non-blocking, and
// no call here blocks or sleeps. `now` is the caller's monotonic clock in
// seconds, the same clock for every call.
//
// Per-connection limits (ListenerLimits): a request head longer than
// max_head_bytes is answered 431, a head not complete read_timeout seconds
// after the accept is answered 408, an unparseable request line or header
// line 400 (see ParseRequestHead in base/http_wire.h); each then
// closes. An answer not fully written write_timeout seconds after Respond() is
// abandoned (closed). At most max_connections are open: a new connection over
// the cap closes the oldest one still reading its head, or, when every open
// connection has a request handed out, the new one.
//
// EINTR is retried inside every call; other socket errors close the one
// connection concerned and are never reported to the caller. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsa {

struct ListenRequest {
  uint64_t connection = 0;  // pass back to Respond(); never reused by this listener
  std::string method;
  std::string path;  // the request target without its query string, not percent-decoded
  // In order; names lower-cased, values trimmed. Values may be secrets
  // (Authorization): never log them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<uint32_t> peer_uid;  // Unix sockets: the peer's uid (SO_PEERCRED)
  std::optional<int32_t> peer_pid;   // Unix sockets: the peer's pid (SO_PEERCRED)
};

struct ListenerLimits {
  size_t max_head_bytes = 8 * 1024;  // request line and headers
  double read_timeout = 2;           // seconds from accept to a complete head
  double write_timeout = 2;          // seconds from Respond() to the last byte sent
  size_t max_connections = 64;
};

class Listener {
 public:
  virtual ~Listener() = default;  // closes every connection (pending ones unanswered)

  // An epoll descriptor, owned by the listener: readable while the listening
  // socket or a connection needs attention. Never read from it; call Poll().
  virtual int fd() const = 0;

  // Accepts, reads, writes and expires what is ready or due at `now`, without
  // blocking, and returns the requests whose head became complete. The caller
  // owns each returned connection until it calls Respond() for it (no
  // deadline applies meanwhile; a peer that hangs up is noticed at Respond()).
  virtual std::vector<ListenRequest> Poll(double now) = 0;

  // Answers `connection` with `status`, `body` and Content-Type `content_type`,
  // then closes it. Writes what the socket takes now and the rest from later
  // Poll() calls (at most write_timeout after `now`). The buffered answer is
  // wiped once sent or abandoned (it may hold credentials). A connection that
  // is unknown, already answered or closed is ignored.
  virtual void Respond(uint64_t connection, int status, std::string_view body,
                       std::string_view content_type, double now) = 0;

  // The earliest read or write deadline of an open connection, or the end of
  // a pause in accepting after running out of file descriptors (monotonic
  // seconds; meanwhile fd() does not report the listening socket), or
  // nullopt when none: call Poll() by then even without events.
  virtual std::optional<double> NextDeadline() const = 0;

  // Open connections, including those handed out and not yet answered.
  virtual size_t connections() const = 0;
};

// Binds and listens on "HOST:PORT" (see ParseListenAddress: loopback unless
// `allow_any`). Returns nullptr with a one-line `*err` naming the address.
std::unique_ptr<Listener> NewTcpListener(std::string_view address, bool allow_any, std::string* err,
                                         const ListenerLimits& limits = ListenerLimits());

// Binds and listens on a Unix stream socket at `path` with permissions `mode`
// (e.g. 0660; never wider than `mode`, whatever the umask). A stale socket at
// `path` is replaced; any other file there is refused. Requests carry the
// peer's uid and pid. Returns nullptr with a one-line `*err` naming `path`.
// The socket file is removed when the listener is destroyed.
std::unique_ptr<Listener> NewUnixListener(const std::string& path, uint32_t mode, std::string* err,
                                          const ListenerLimits& limits = ListenerLimits());

}  // namespace irsa
