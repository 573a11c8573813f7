// The real LogSink: finished lines to file descriptor 2.

#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/log.h"

namespace irsa {
namespace {

// Each line leaves in a single write(2) of line + '\n', so lines from several
// threads or processes sharing the descriptor do not interleave (guaranteed
// for pipes up to PIPE_BUF bytes, and in practice for journald's stream
// socket and terminals). A signal or a short write only makes us continue
// with the rest. Any other error drops the line: there is nowhere left to
// report it, and logging must never stop the agent. SIGPIPE is ignored by
// the signal setup, so a closed reader shows up here as EPIPE.
class StderrLogSink : public LogSink {
 public:
  void Emit(std::string_view line) override {
    std::string buffer;
    buffer.reserve(line.size() + 1);
    buffer.append(line);
    buffer.push_back('\n');
    const char* next = buffer.data();
    size_t left = buffer.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, next, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (n == 0) return;  // not expected for write(2); avoids spinning
      next += n;
      left -= static_cast<size_t>(n);
    }
  }
};

}  // namespace

std::unique_ptr<LogSink> NewStderrLogSink() { return std::make_unique<StderrLogSink>(); }

}  // namespace irsa
