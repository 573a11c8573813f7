// Log lines, text or JSON, to a sink. Secrets registered with AddSecret are
// replaced by "[redacted]" in every line as a last line of defence; callers
// must still never pass them. Not thread-safe.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "irsa_agent/log_sink.h"

namespace irsa {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

struct LogField {
  std::string_view key;
  std::string value;
  // A count or a duration: a JSON number in --log-format json (when `value`
  // is a decimal number), the same text in text lines.
  bool number = false;
};

class Logger {
 public:
  // `wall_clock` returns unix seconds for the timestamp. Borrows `sink`.
  Logger(LogLevel level, LogFormat format, LogSink* sink, std::function<double()> wall_clock);
  // Wipes the registered secrets (WipeString).
  ~Logger();
  Logger(Logger&& other) = default;
  Logger& operator=(Logger&& other) = default;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(level, message, std::span<const LogField>(fields.begin(), fields.size()));
  }
  void Log(LogLevel level, std::string_view message, std::span<const LogField> fields);
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, m, f);
  }
  void Warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarning, m, f);
  }
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, m, f);
  }

  // Registers `secret` under `slot`, a fixed name for where it came from
  // ("web-identity-token", "domino-credential", ...). Each slot keeps its
  // kSecretsPerSlot most recent distinct secrets (the current one and the
  // ones just before it, which a line being written may still hold); an
  // older one is wiped and dropped, so memory and the cost of Redact stay
  // bounded however often a token rotates. Secrets shorter than 8 bytes are
  // ignored (too likely to match by chance).
  void AddSecret(std::string_view slot, std::string_view secret);
  static constexpr size_t kSecretsPerSlot = 3;
  // Returns `text` with every registered secret replaced.
  std::string Redact(std::string_view text) const;

  bool Enabled(LogLevel level) const { return level >= level_; }
  void set_level(LogLevel level) { level_ = level; }

 private:
  LogLevel level_;
  LogFormat format_;
  LogSink* sink_;
  std::function<double()> wall_clock_;
  struct SecretSlot {
    std::string name;
    std::vector<std::string> secrets;  // oldest first, at most kSecretsPerSlot
  };
  std::vector<SecretSlot> slots_;  // one per name given to AddSecret
};

// "2026-11-23T17:00:00.123Z" for unix seconds `t`.
std::string FormatTimestamp(double t);

// "2.35": a duration field's value (a LogField with number = true), to the
// hundredth; negative durations are 0.
std::string LogSeconds(double seconds);

// Formats one line (no newline). Text: "TIME LEVEL message key=value ...",
// values quoted when they hold spaces, quotes or control characters. JSON: one
// object {"time","level","msg",fields...}.
std::string FormatLogLine(LogFormat format, double time, LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

std::string_view LogLevelName(LogLevel level);  // "debug", "info", "warning", "error"

}  // namespace irsa
