#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include "irsa_agent/signals.h"

namespace irsa {
namespace {

volatile std::sig_atomic_t g_terminate = 0;
volatile std::sig_atomic_t g_hangup = 0;
int g_pipe_write = -1;

extern "C" void OnSignal(int signo) {
  const int saved_errno = errno;
  if (signo == SIGHUP) {
    g_hangup = 1;
  } else {
    g_terminate = 1;
  }
  const char byte = 1;
  // A full pipe already wakes the loop; the result is deliberately ignored.
  [[maybe_unused]] const ssize_t n = write(g_pipe_write, &byte, 1);
  errno = saved_errno;
}

class PosixSignals : public Signals {
 public:
  PosixSignals(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  ~PosixSignals() override {
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int signo : {SIGTERM, SIGINT, SIGHUP}) sigaction(signo, &dfl, nullptr);
    g_pipe_write = -1;
    close(read_fd_);
    close(write_fd_);
  }

  int fd() const override { return read_fd_; }

  SignalsSeen Drain() override {
    char buf[64];
    while (read(read_fd_, buf, sizeof buf) > 0) {
    }
    SignalsSeen seen;
    seen.terminate = g_terminate != 0;
    seen.hangup = g_hangup != 0;
    g_hangup = 0;
    return seen;
  }

  bool terminating() const override { return g_terminate != 0; }

 private:
  int read_fd_;
  int write_fd_;
};

}  // namespace

std::unique_ptr<Signals> InstallSignalHandlers() {
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return nullptr;
  g_pipe_write = fds[1];
  g_terminate = 0;
  g_hangup = 0;
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and the loop wakes
  for (int signo : {SIGTERM, SIGINT, SIGHUP}) sigaction(signo, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return std::make_unique<PosixSignals>(fds[0], fds[1]);
}

}  // namespace irsa
