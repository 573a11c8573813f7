// Tests for irsa_agent/unix_client.h against real Unix sockets in a temp folder.
#include "irsa_agent/unix_client.h"

#include <doctest/doctest.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace irsa {
namespace {

// A listening Unix socket at a fresh path; Serve() answers one connection.
class Listening {
 public:
  explicit Listening(int backlog = 4) {
    char dir[] = "/tmp/irsa-unix-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    dir_ = dir;
    path_ = dir_ + "/a.sock";
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd_, backlog) == 0);
  }
  ~Listening() {
    if (server_.joinable()) server_.join();
    close(fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }

  // Accepts one connection, reads the request head and writes `answer`, or
  // `answer`, then after `pause` seconds `later`. First accepts and closes
  // `skip` connections (fillers of a full backlog) after waiting `pause`.
  void Serve(std::string answer, double pause = 0, std::string later = "", int skip = 0) {
    server_ = std::thread([this, answer, pause, later, skip] {
      const auto nap = std::chrono::duration<double>(pause);
      if (skip > 0) std::this_thread::sleep_for(nap);
      for (int i = 0; i < skip; ++i) close(accept(fd_, nullptr, nullptr));
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[512];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      request_ = head;
      (void)!send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      if (!later.empty()) {
        std::this_thread::sleep_for(nap);
        (void)!send(c, later.data(), later.size(), MSG_NOSIGNAL);
      }
      close(c);
    });
  }
  std::string request() {
    if (server_.joinable()) server_.join();
    return request_;
  }

 private:
  std::string dir_;
  std::string path_;
  int fd_ = -1;
  std::thread server_;
  std::string request_;
};

// One Get, its Status split into what the cases below compare;
// `acknowledged_timeout` as NewUnixHttpClient takes it.
bool Get(const std::string& socket, const std::string& path, double timeout, size_t max_bytes,
         UnixAnswer* answer, UnixFailure* failure, std::string* err,
         double acknowledged_timeout = 0) {
  const Status<UnixFailure> got =
      NewUnixHttpClient(acknowledged_timeout)->Get(socket, path, timeout, max_bytes, answer);
  *failure = got.kind();
  *err = got.message();
  return got.ok();
}

TEST_SUITE("unix_client") {
  TEST_CASE("an answer with Content-Length") {
    Listening server;
    server.Serve(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
        "{\"a\": true}");
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kProtocol;
    std::string err;
    REQUIRE(Get(server.path(), "/credentials/x", 2, 65536, &answer, &failure, &err));
    CHECK(failure == UnixFailure::kNone);
    CHECK(answer.status == 200);
    CHECK(answer.body == "{\"a\": true}");
    CHECK(server.request().starts_with("GET /credentials/x HTTP/1.1\r\n"));
  }

  TEST_CASE("an answer read to the end, and a 404") {
    Listening server;
    server.Serve("HTTP/1.0 404 Not Found\r\n\r\n{\"error\": \"no\"}");
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    REQUIRE(Get(server.path(), "/x", 2, 65536, &answer, &failure, &err));
    CHECK(answer.status == 404);
    CHECK(answer.body == "{\"error\": \"no\"}");
  }

  TEST_CASE("no agent: no socket file, nobody listening") {
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    CHECK_FALSE(Get("/nonexistent/irsa.sock", "/x", 2, 65536, &answer, &failure, &err));
    CHECK(failure == UnixFailure::kNoAgent);
    CHECK(err == "agent socket /nonexistent/irsa.sock: No such file or directory");
    CHECK_FALSE(Get(std::string(200, 'x'), "/x", 2, 65536, &answer, &failure, &err));
    CHECK(failure == UnixFailure::kNoAgent);
  }

  TEST_CASE("a silent agent costs at most the time-out") {
    Listening server;  // listens, never accepts: the connection waits in the backlog
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(Get(server.path(), "/x", 0.3, 65536, &answer, &failure, &err));
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(failure == UnixFailure::kTimeout);
    CHECK(took >= 0.25);
    CHECK(took < 2);
  }

  TEST_CASE("a full backlog is a short wait, never a failed call") {
    Listening server(1);
    // Fill the backlog: non-blocking connects until the kernel says EAGAIN.
    std::vector<int> fillers;
    for (int i = 0; i < 64; ++i) {
      const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::memcpy(addr.sun_path, server.path().data(), server.path().size());
      const int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
      const int e = errno;
      fillers.push_back(fd);
      if (rc != 0) {
        REQUIRE(e == EAGAIN);
        break;
      }
    }
    REQUIRE(fillers.size() < 64);
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    // Nobody makes room: a time-out (the caller runs the chain itself).
    CHECK_FALSE(Get(server.path(), "/x", 0.3, 65536, &answer, &failure, &err));
    CHECK(failure == UnixFailure::kTimeout);
    CHECK(err.ends_with("the agent is busy (no room to connect in time)"));
    // The server catches up after 0.2 s: the call succeeds.
    server.Serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0.2, "",
                 static_cast<int>(fillers.size()) - 1);
    CHECK(Get(server.path(), "/x", 5, 65536, &answer, &failure, &err));
    CHECK(answer.status == 200);
    for (int fd : fillers) close(fd);
  }

  TEST_CASE("an interim 102 answer extends the wait to the acknowledged time-out") {
    const std::string final_answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    UnixAnswer answer;
    UnixFailure failure = UnixFailure::kNone;
    std::string err;
    {
      Listening server;
      server.Serve("HTTP/1.1 102 Processing\r\n\r\n", 0.6, final_answer);
      REQUIRE(Get(server.path(), "/x", 0.3, 65536, &answer, &failure, &err, 5));
      CHECK(answer.status == 200);
      CHECK(answer.body == "{}");
    }
    {
      Listening server;
      server.Serve("HTTP/1.1 102 Processing\r\n\r\n", 0.6, final_answer);
      CHECK_FALSE(Get(server.path(), "/x", 0.3, 65536, &answer, &failure, &err));
      CHECK(failure == UnixFailure::kTimeout);
    }
  }

  TEST_CASE("too large, malformed and short answers") {
    struct Case {
      std::string answer;
      UnixFailure failure;
      std::string err_end;
    };
    const Case cases[] = {
        {"HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'x'), UnixFailure::kTooLarge,
         "answer larger than 1024 bytes"},
        {"SSH-2.0-OpenSSH\r\n\r\n", UnixFailure::kProtocol, "not an HTTP/1.x status line"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", UnixFailure::kProtocol,
         "the answer is shorter than its Content-Length"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", UnixFailure::kProtocol,
         "a Transfer-Encoding (not read)"},
        {"HTTP/1.1 200 OK\r\nContent-Le", UnixFailure::kProtocol,
         "the answer ended inside its head"},
        // Closed with no final answer: the agent stopped; the caller falls back.
        {"", UnixFailure::kNoAgent, "the agent closed the connection unanswered"},
        {"HTTP/1.1 102 Processing\r\n\r\n", UnixFailure::kNoAgent,
         "the agent closed the connection unanswered"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.err_end);
      Listening server;
      server.Serve(c.answer);
      UnixAnswer answer;
      UnixFailure failure = UnixFailure::kNone;
      std::string err;
      CHECK_FALSE(Get(server.path(), "/x", 2, 1024, &answer, &failure, &err));
      CHECK(failure == c.failure);
      CHECK(err.ends_with(c.err_end));
    }
  }
}

}  // namespace
}  // namespace irsa
