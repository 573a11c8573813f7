// Where log lines go: the seam between the Logger (base/log.h) and stderr.
// Tests use a sink that keeps the lines.
//
// Thread safety: Emit may be called from any thread; each line is written
// whole (one write), so lines from two threads never interleave.
#pragma once

#include <memory>
#include <string_view>

namespace irsa {

// Where finished lines go (one call per line, without the newline).
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Writes `line` (already redacted and escaped: one line) and a newline.
  // Borrows `line` for the call only. Never fails: a line that cannot be
  // written is dropped (EINTR and short writes are retried first).
  virtual void Emit(std::string_view line) = 0;
};

// Writes each line plus '\n' to stderr with one write(2) (log_stderr.cc);
// owned by the caller.
std::unique_ptr<LogSink> NewStderrLogSink();

}  // namespace irsa
