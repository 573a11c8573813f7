// The real listeners on loopback and on a Unix socket: requests arriving byte
// by byte, oversize heads, slow clients, the connection cap, deferred and
// large answers, the Unix socket's mode and peer credentials. Time is the
// `now` handed to the listener, so deadlines are tested without sleeping;
// every wait for the kernel is a bounded poll that normally returns at once.

#include "irsa_agent/listener.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "unit/test_util.h"

namespace irsa {
namespace {

constexpr int kWaitMs = 2000;

// A loopback port that was free a moment ago.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// A client socket; closed when it goes out of scope.
class Client {
 public:
  explicit Client(int port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  explicit Client(const std::string& unix_path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, unix_path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { close(fd_); }
  int fd() const { return fd_; }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(const std::string& data) {
    REQUIRE(send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == ssize_t(data.size()));
  }
  bool Readable(int timeout_ms = 0) {
    pollfd p = {fd_, POLLIN, 0};
    return poll(&p, 1, timeout_ms) == 1;
  }
  // Everything until the server closes (at most kWaitMs of silence).
  std::string ReadToEnd() {
    std::string out;
    char buf[65536];
    while (Readable(kWaitMs)) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }
  // True when the server closed the connection without answering.
  bool ClosedWithoutAnswer() { return ReadToEnd().empty(); }

 private:
  int fd_ = -1;
};

// Polls the listener at `now` (waiting at most 10 ms for it to be readable)
// until `done` or kWaitMs; returns every request handed out meanwhile.
std::vector<ListenRequest> PumpUntil(Listener& listener, double now,
                                     const std::function<bool(size_t requests)>& done) {
  std::vector<ListenRequest> all;
  for (int i = 0; i < kWaitMs / 10 && !done(all.size()); ++i) {
    pollfd p = {listener.fd(), POLLIN, 0};
    poll(&p, 1, 10);
    for (ListenRequest& r : listener.Poll(now)) all.push_back(std::move(r));
  }
  return all;
}

std::vector<ListenRequest> PumpRequests(Listener& listener, double now, size_t count) {
  return PumpUntil(listener, now, [count](size_t n) { return n >= count; });
}

struct TcpFixture {
  void Start(const ListenerLimits& limits = ListenerLimits()) {
    std::string err;
    for (int attempt = 0; attempt < 5 && !listener; ++attempt) {
      port = FreePort();
      listener = NewTcpListener("127.0.0.1:" + std::to_string(port), false, &err, limits);
    }
    REQUIRE_MESSAGE(listener != nullptr, err);
  }
  int port = 0;
  std::unique_ptr<Listener> listener;
};

constexpr char kHealthz[] = "GET /healthz?probe=1 HTTP/1.1\r\nHost: localhost\r\n\r\n";

TEST_SUITE("listener") {
  TEST_CASE_FIXTURE(TcpFixture, "a request arriving byte by byte is handed out once complete") {
    Start();
    Client client(port);
    const std::string request = kHealthz;
    for (size_t i = 0; i + 1 < request.size(); ++i) {
      client.Send(request.substr(i, 1));
      pollfd p = {listener->fd(), POLLIN, 0};
      poll(&p, 1, kWaitMs);
      REQUIRE(listener->Poll(1).empty());
    }
    client.Send(request.substr(request.size() - 1));
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].method == "GET");
    CHECK(got[0].path == "/healthz");
    CHECK_FALSE(got[0].peer_uid.has_value());
    CHECK(listener->connections() == 1);
    CHECK_FALSE(listener->NextDeadline().has_value());  // handed out: no deadline

    listener->Respond(got[0].connection, 200, "hi", "text/plain", 1);
    const std::string answer = client.ReadToEnd();
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find("\r\nContent-Type: text/plain\r\n") != std::string::npos);
    CHECK(answer.find("\r\nContent-Length: 2\r\n") != std::string::npos);
    CHECK(answer.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(answer.substr(answer.size() - 6) == "\r\n\r\nhi");
    CHECK(listener->connections() == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture, "a head at the limit is served, one byte more is answered 431") {
    ListenerLimits limits;
    limits.max_head_bytes = 64;
    Start(limits);
    const std::string line = "GET /x HTTP/1.1\r\n";
    const std::string at_limit = line + "X: " + std::string(64 - line.size() - 7, 'a') + "\r\n\r\n";
    REQUIRE(at_limit.size() == 64);
    {
      Client client(port);
      client.Send(at_limit);
      const auto got = PumpRequests(*listener, 1, 1);
      REQUIRE(got.size() == 1);
      CHECK(got[0].path == "/x");
      listener->Respond(got[0].connection, 204, "", "text/plain", 1);
      CHECK(client.ReadToEnd().rfind("HTTP/1.1 204 ", 0) == 0);
    }
    Client client(port);
    client.Send(line + "X: " + std::string(64 - line.size() - 6, 'a') + "\r\n\r\n");
    const auto got = PumpUntil(*listener, 1, [&](size_t) { return client.Readable(); });
    CHECK(got.empty());
    const std::string answer = client.ReadToEnd();
    CHECK(answer.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(listener->connections() == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture, "an endless head is cut at 8 KiB and answered 431") {
    Start();
    Client client(port);
    client.Send("GET / HTTP/1.1\r\nX-Long: " + std::string(20000, 'b'));
    const auto got = PumpUntil(*listener, 1, [&](size_t) { return client.Readable(); });
    CHECK(got.empty());
    CHECK(client.ReadToEnd().rfind("HTTP/1.1 431 ", 0) == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture, "a client that stays silent or slow is answered 408 at 2 s") {
    Start();
    Client silent(port);
    Client slow(port);
    slow.Send("GET /heal");
    // Accepted at now = 10: both are due at 12.
    PumpUntil(*listener, 10, [&](size_t) { return listener->connections() == 2; });
    REQUIRE(listener->connections() == 2);
    REQUIRE(listener->NextDeadline().has_value());
    CHECK(*listener->NextDeadline() == doctest::Approx(12));
    CHECK(listener->Poll(11.9).empty());
    CHECK_FALSE(silent.Readable(20));
    CHECK_FALSE(slow.Readable());
    CHECK(listener->Poll(12).empty());
    CHECK(silent.ReadToEnd().rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(slow.ReadToEnd().rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(listener->connections() == 0);
    CHECK_FALSE(listener->NextDeadline().has_value());
  }

  TEST_CASE_FIXTURE(TcpFixture, "idle connections do not delay another client's request") {
    Start();
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < 8; ++i) idle.push_back(std::make_unique<Client>(port));
    PumpUntil(*listener, 1, [&](size_t) { return listener->connections() == 8; });
    Client client(port);
    client.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1.01, 1);
    REQUIRE(got.size() == 1);
    listener->Respond(got[0].connection, 200, "ok", "text/plain", 1.01);
    CHECK(client.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(listener->connections() == 8);
  }

  TEST_CASE_FIXTURE(TcpFixture, "over the cap the oldest idle connection is closed") {
    ListenerLimits limits;
    limits.max_connections = 4;
    Start(limits);
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < 4; ++i) {
      idle.push_back(std::make_unique<Client>(port));
      const size_t want = size_t(i) + 1;
      PumpUntil(*listener, 1, [&](size_t) { return listener->connections() == want; });
    }
    REQUIRE(listener->connections() == 4);
    Client fifth(port);
    fifth.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    CHECK(listener->connections() == 4);
    CHECK(idle[0]->ClosedWithoutAnswer());
    CHECK_FALSE(idle[1]->Readable());
    listener->Respond(got[0].connection, 200, "ok", "text/plain", 1);
    CHECK(fifth.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture,
                    "over the cap with every request handed out the new one is closed") {
    ListenerLimits limits;
    limits.max_connections = 2;
    Start(limits);
    Client a(port);
    Client b(port);
    a.Send(kHealthz);
    b.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1, 2);
    REQUIRE(got.size() == 2);
    Client c(port);
    c.Send(kHealthz);
    CHECK(PumpUntil(*listener, 1, [&](size_t) { return c.Readable(); }).empty());
    CHECK(c.ClosedWithoutAnswer());
    listener->Respond(got[0].connection, 200, "a", "text/plain", 1);
    listener->Respond(got[1].connection, 200, "b", "text/plain", 1);
    CHECK(a.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(b.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(listener->connections() == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture,
                    "a deferred answer is sent long after the request; ids are single-use") {
    Start();
    Client client(port);
    client.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    // Well past every deadline: a handed-out connection waits for its answer.
    CHECK(listener->Poll(100).empty());
    CHECK(listener->connections() == 1);
    CHECK_FALSE(client.Readable(20));
    listener->Respond(got[0].connection + 1000, 500, "no", "text/plain", 100);  // unknown: ignored
    listener->Respond(got[0].connection, 200, R"({"status":"ok"})", "application/json", 100);
    listener->Respond(got[0].connection, 503, "again", "text/plain", 100);  // answered: ignored
    const std::string answer = client.ReadToEnd();
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find("again") == std::string::npos);
    CHECK(answer.substr(answer.size() - 15) == R"({"status":"ok"})");

    Client second(port);
    second.Send(kHealthz);
    const auto next = PumpRequests(*listener, 100, 1);
    REQUIRE(next.size() == 1);
    CHECK(next[0].connection > got[0].connection);
    listener->Respond(next[0].connection, 200, "", "text/plain", 100);
  }

  TEST_CASE_FIXTURE(TcpFixture, "a large answer is written as the client reads it") {
    Start();
    Client client(port, 4096);
    client.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    const std::string body(16 << 20, 'x');
    listener->Respond(got[0].connection, 200, body, "text/plain", 1);
    CHECK(listener->connections() == 1);  // the socket did not take it all
    REQUIRE(listener->NextDeadline().has_value());
    CHECK(*listener->NextDeadline() == doctest::Approx(3));
    std::string received;
    char buf[65536];
    bool eof = false;
    for (int i = 0; i < 100000 && !eof; ++i) {
      listener->Poll(1.5);
      pollfd p = {client.fd(), POLLIN, 0};
      if (poll(&p, 1, 10) != 1) continue;
      const ssize_t n = recv(client.fd(), buf, sizeof buf, 0);
      if (n <= 0) {
        eof = true;
      } else {
        received.append(buf, size_t(n));
      }
    }
    CHECK(eof);
    CHECK(listener->connections() == 0);
    REQUIRE(received.size() > body.size());
    CHECK(received.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(received.substr(received.size() - body.size()) == body);
  }

  TEST_CASE_FIXTURE(TcpFixture,
                    "an answer the client never takes is abandoned at the write deadline") {
    Start();
    Client client(port, 4096);
    client.Send(kHealthz);
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    listener->Respond(got[0].connection, 200, std::string(16 << 20, 'x'), "text/plain", 1);
    REQUIRE(listener->connections() == 1);
    CHECK(listener->Poll(2.9).empty());
    CHECK(listener->connections() == 1);
    listener->Poll(3);
    CHECK(listener->connections() == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture, "a malformed request line is answered 400") {
    Start();
    for (const char* bad : {"GET\r\n\r\n", "get / HTTP/1.1\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n",
                            "GET / SPDY/3\r\n\r\n", " / HTTP/1.1\r\n\r\n"}) {
      CAPTURE(bad);
      Client client(port);
      client.Send(bad);
      CHECK(PumpUntil(*listener, 1, [&](size_t) { return client.Readable(); }).empty());
      CHECK(client.ReadToEnd().rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    }
  }

  TEST_CASE_FIXTURE(TcpFixture, "a client that leaves mid-request is forgotten") {
    Start();
    {
      Client client(port);
      client.Send("GET /healthz HTTP/1.1\r\n");
      PumpUntil(*listener, 1, [&](size_t) { return listener->connections() == 1; });
    }
    PumpUntil(*listener, 1, [&](size_t) { return listener->connections() == 0; });
    CHECK(listener->connections() == 0);
  }

  TEST_CASE("a Unix client that hangs up while its request waits is reported once") {
    TempDir dir;
    const std::string path = dir / "agent.sock";
    std::string err;
    auto listener = NewUnixListener(path, 0600, &err);
    REQUIRE_MESSAGE(listener != nullptr, err);
    auto leaving = std::make_unique<Client>(path);
    Client staying(path);
    leaving->Send("GET /credentials/a HTTP/1.1\r\nHost: localhost\r\n\r\n");
    staying.Send("GET /credentials/b HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const auto got = PumpRequests(*listener, 1, 2);
    REQUIRE(got.size() == 2);
    const uint64_t gone = got[0].path == "/credentials/a" ? got[0].connection : got[1].connection;
    const uint64_t kept = got[0].path == "/credentials/a" ? got[1].connection : got[0].connection;
    CHECK(listener->TakeHangups().empty());
    leaving.reset();
    std::vector<uint64_t> hangups;
    PumpUntil(*listener, 1, [&](size_t) {
      for (uint64_t id : listener->TakeHangups()) hangups.push_back(id);
      return !hangups.empty();
    });
    CHECK(hangups == std::vector<uint64_t>{gone});
    CHECK(listener->connections() == 1);
    listener->Poll(1);
    CHECK(listener->TakeHangups().empty());
    listener->Respond(gone, 200, "{}", "application/json", 1);  // ignored
    listener->Acknowledge(kept);
    listener->Respond(kept, 200, "{}", "application/json", 1);
    CHECK(staying.ReadToEnd().rfind("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n", 0) == 0);
  }

  TEST_CASE_FIXTURE(TcpFixture,
                    "out of descriptors, accepting pauses a second instead of spinning") {
    Start();
    Client client(port);
    client.Send(kHealthz);
    pollfd p = {listener->fd(), POLLIN, 0};
    REQUIRE(poll(&p, 1, kWaitMs) == 1);
    rlimit old_limit;
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old_limit) == 0);
    const int lowest_free = dup(0);
    REQUIRE(lowest_free >= 0);
    close(lowest_free);
    rlimit low = old_limit;
    low.rlim_cur = rlim_t(lowest_free);  // the accepted socket would need one more
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    const auto during = listener->Poll(5);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &old_limit) == 0);
    CHECK(during.empty());
    CHECK(listener->connections() == 0);
    REQUIRE(listener->NextDeadline().has_value());
    CHECK(*listener->NextDeadline() == doctest::Approx(6));
    CHECK(poll(&p, 1, 0) == 0);  // not readable meanwhile: the loop sleeps
    CHECK(listener->Poll(5.5).empty());
    CHECK(listener->connections() == 0);
    const auto after = PumpRequests(*listener, 6, 1);
    REQUIRE(after.size() == 1);
    listener->Respond(after[0].connection, 200, "ok", "text/plain", 6);
    CHECK(client.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }

  TEST_CASE("the TCP listener refuses a non-loopback address unless allowed") {
    std::string err;
    CHECK(NewTcpListener("0.0.0.0:6003", false, &err) == nullptr);
    CHECK(err.find("listen") != std::string::npos);
  }

  TEST_CASE("the Unix listener: mode, peer credentials, stale sockets, removal") {
    TempDir dir;
    const std::string path = dir / "agent.sock";
    std::string err;
    const mode_t old_umask = umask(0);  // the mode must not depend on the umask
    auto listener = NewUnixListener(path, 0660, &err);
    umask(old_umask);
    REQUIRE_MESSAGE(listener != nullptr, err);
    struct stat st;
    REQUIRE(lstat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0660);

    Client client(path);
    client.Send("GET /credentials/role-a HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const auto got = PumpRequests(*listener, 1, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].path == "/credentials/role-a");
    CHECK(got[0].headers ==
          std::vector<std::pair<std::string, std::string>>{{"host", "localhost"}});
    REQUIRE(got[0].peer_uid.has_value());
    CHECK(*got[0].peer_uid == getuid());
    REQUIRE(got[0].peer_pid.has_value());
    CHECK(*got[0].peer_pid == getpid());
    listener->Respond(got[0].connection, 200, "{}", "application/json", 1);
    CHECK(client.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);

    listener.reset();
    CHECK(lstat(path.c_str(), &st) != 0);  // removed with the listener

    // A socket file an earlier process left behind is replaced.
    const int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(bind(stale, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    close(stale);
    const mode_t strict = umask(077);
    listener = NewUnixListener(path, 0660, &err);
    umask(strict);
    REQUIRE_MESSAGE(listener != nullptr, err);
    REQUIRE(lstat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0660);
  }

  TEST_CASE("a second Unix listener refuses a socket that answers; each removes only its own") {
    TempDir dir;
    const std::string path = dir / "agent.sock";
    std::string err;
    auto first = NewUnixListener(path, 0660, &err);
    REQUIRE_MESSAGE(first != nullptr, err);
    CHECK(NewUnixListener(path, 0660, &err) == nullptr);
    CHECK(err == "listen socket " + path +
                     ": another agent is listening on it; refusing to take it over (stop it or "
                     "choose another socket)");
    {
      Client client(path);  // the first still answers on its own file
      client.Send(kHealthz);
      const auto got = PumpRequests(*first, 1, 1);
      REQUIRE(got.size() == 1);
      first->Respond(got[0].connection, 200, "{}", "application/json", 1);
      CHECK(client.ReadToEnd().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    }
    // Someone replaced the file meanwhile: stopping leaves theirs in place.
    REQUIRE(unlink(path.c_str()) == 0);
    auto second = NewUnixListener(path, 0660, &err);
    REQUIRE_MESSAGE(second != nullptr, err);
    first.reset();
    struct stat st;
    CHECK(lstat(path.c_str(), &st) == 0);
    second.reset();
    CHECK(lstat(path.c_str(), &st) != 0);
  }

  TEST_CASE("the Unix listener's backlog holds a burst of 120 processes while the loop is busy") {
    TempDir dir;
    const std::string path = dir / "agent.sock";
    std::string err;
    auto listener = NewUnixListener(path, 0600, &err);
    REQUIRE_MESSAGE(listener != nullptr, err);
    // Nobody calls Poll(): every connection waits in the kernel's backlog
    // (SOMAXCONN, capped by net.core.somaxconn: 128 on old kernels).
    std::vector<int> burst;
    int refused = 0;
    for (int i = 0; i < 120; ++i) {
      const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sockaddr_un addr = {};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ++refused;
      burst.push_back(fd);
    }
    CHECK(refused == 0);
    for (int fd : burst) close(fd);
  }

  TEST_CASE("the Unix listener never changes the mode of a file a symlink swapped in") {
    // Whoever can write the folder swaps a symlink to another file in, over
    // and over, while listeners are created: the target's mode must stay.
    TempDir dir;
    const std::string path = dir / "agent.sock";
    const std::string victim = dir.Write("victim", "keep my mode");
    REQUIRE(chmod(victim.c_str(), 0600) == 0);
    std::atomic<bool> stop{false};
    std::thread attacker([&] {
      const std::string tmp = dir / "swap";
      for (int i = 0; i < 200000 && !stop.load(); ++i) {
        unlink(tmp.c_str());
        if (symlink(victim.c_str(), tmp.c_str()) == 0) rename(tmp.c_str(), path.c_str());
      }
    });
    int made = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string err;
      unlink(path.c_str());
      auto listener = NewUnixListener(path, 0666, &err);
      if (listener) ++made;
    }
    stop = true;
    attacker.join();
    struct stat st;
    REQUIRE(stat(victim.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    MESSAGE("listeners made: " << made);
  }

  TEST_CASE("the Unix listener never replaces a file that is not a socket") {
    TempDir dir;
    const std::string path = dir.Write("config", "keep me");
    std::string err;
    CHECK(NewUnixListener(path, 0660, &err) == nullptr);
    CHECK(err == "listen socket " + path + ": exists and is not a socket; refusing to replace it");
    std::ifstream in(path);
    std::string content;
    std::getline(in, content);
    CHECK(content == "keep me");

    CHECK(NewUnixListener(dir / std::string(120, 's'), 0660, &err) == nullptr);
    CHECK(err.find("the path must be 1 to 107 bytes") != std::string::npos);
    CHECK(NewUnixListener(dir / "missing-folder/agent.sock", 0660, &err) == nullptr);
    CHECK(err.rfind("listen socket " + dir.path() + "/missing-folder/agent.sock: bind: ", 0) == 0);
  }
}

}  // namespace
}  // namespace irsa
