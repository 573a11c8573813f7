// Where log lines go: the seam between the Logger (core/log.h) and stderr.
#pragma once

#include <memory>
#include <string_view>

namespace irsa {

// Where finished lines go (one call per line, without the newline).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Emit(std::string_view line) = 0;
};

// Writes each line plus '\n' to stderr with one write(2) (log_stderr.cc).
std::unique_ptr<LogSink> NewStderrLogSink();

}  // namespace irsa
