// Log line formatting and the Logger front end. Pure: the time comes from the
// injected wall clock and lines leave through the borrowed LogSink.

#include "base/log.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>

#include "base/secret.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr size_t kMinSecretSize = 8;
// 9999-12-31T23:59:59.999Z: keeps the year at four digits.
constexpr double kMaxTimestamp = 253402300799.999;

std::string_view UpperLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

// A text-format value is quoted when it would otherwise be ambiguous: empty,
// or holding a separator, a quote, a backslash or a control character (C0,
// DEL or C1: whatever EscapeControl escapes).
bool NeedsQuotes(std::string_view value) {
  if (value.empty() || EscapeControl(value) != value) return true;
  return std::any_of(value.begin(), value.end(),
                     [](char c) { return c == ' ' || c == '"' || c == '=' || c == '\\'; });
}

std::string FormatText(double time, LogLevel level, std::string_view message,
                       std::span<const LogField> fields) {
  std::string line = FormatTimestamp(time);
  line.push_back(' ');
  line.append(UpperLevelName(level));
  line.push_back(' ');
  AppendEscapedControl(message, /*quoted=*/false, &line);
  for (const LogField& field : fields) {
    line.push_back(' ');
    AppendEscapedControl(field.key, /*quoted=*/false, &line);
    line.push_back('=');
    if (NeedsQuotes(field.value)) {
      line.push_back('"');
      AppendEscapedControl(field.value, /*quoted=*/true, &line);
      line.push_back('"');
    } else {
      line.append(field.value);
    }
  }
  return line;
}

// `text` as a JSON number when it is a plain decimal (an integer kept exact),
// else as the string it is.
nlohmann::ordered_json JsonNumber(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("-0123456789.") == std::string::npos;
  if (plain) {
    const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_number()) return parsed;
  }
  return text;
}

std::string FormatJson(double time, LogLevel level, std::string_view message,
                       std::span<const LogField> fields) {
  // ordered_json keeps "time", "level", "msg" first, then the fields in call order.
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  object["time"] = FormatTimestamp(time);
  object["level"] = std::string(LogLevelName(level));
  object["msg"] = std::string(message);
  for (const LogField& field : fields) {
    // A field must never overwrite "msg" or an earlier field: prefix '_' until
    // the key is unused (at most one round per key already present).
    std::string key(field.key);
    while (object.contains(key)) key = "_" + key;
    object[key] = field.number ? JsonNumber(field.value) : nlohmann::ordered_json(field.value);
  }
  // error_handler_t::replace: invalid UTF-8 becomes U+FFFD instead of throwing.
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string FormatLine(LogFormat format, double time, LogLevel level, std::string_view message,
                       std::span<const LogField> fields) {
  return format == LogFormat::kJson ? FormatJson(time, level, message, fields)
                                    : FormatText(time, level, message, fields);
}

}  // namespace

Logger::Logger(LogLevel level, LogFormat format, LogSink* sink, std::function<double()> wall_clock)
    : level_(level), format_(format), sink_(sink), wall_clock_(std::move(wall_clock)) {}

void Logger::Log(LogLevel level, std::string_view message, std::span<const LogField> fields) {
  if (!Enabled(level) || sink_ == nullptr) return;
  const double now = wall_clock_ ? wall_clock_() : 0;
  if (slots_.empty()) {
    sink_->Emit(FormatLine(format_, now, level, message, fields));
    return;
  }
  // Redact the inputs first: escaping (a quote or newline inside a secret, or
  // invalid UTF-8 replaced in JSON) would otherwise hide a secret from the
  // final pass. Then redact the finished line as the last line of defence.
  std::vector<LogField> clean_fields;
  clean_fields.reserve(fields.size());
  for (const LogField& field : fields)
    clean_fields.push_back({field.key, Redact(field.value), field.number});
  sink_->Emit(Redact(FormatLine(format_, now, level, Redact(message), clean_fields)));
}

Logger::~Logger() {
  for (SecretSlot& slot : slots_) {
    for (std::string& secret : slot.secrets) WipeString(&secret);
  }
}

void Logger::AddSecret(std::string_view slot_name, std::string_view secret) {
  if (secret.size() < kMinSecretSize) return;
  auto slot = std::find_if(slots_.begin(), slots_.end(),
                           [slot_name](const SecretSlot& s) { return s.name == slot_name; });
  if (slot == slots_.end()) {
    slots_.push_back(SecretSlot{std::string(slot_name), {}});
    slot = slots_.end() - 1;
  }
  std::vector<std::string>& secrets = slot->secrets;
  const auto known = std::find(secrets.begin(), secrets.end(), secret);
  if (known != secrets.end()) {
    // Already registered: it becomes the most recent again.
    std::rotate(known, known + 1, secrets.end());
    return;
  }
  if (secrets.size() < kSecretsPerSlot) {
    secrets.emplace_back(secret);
    return;
  }
  // The oldest is wiped and its string reused for the newest; rotate swaps,
  // so no stray copy of a dropped secret is left behind.
  WipeString(&secrets.front());
  std::rotate(secrets.begin(), secrets.begin() + 1, secrets.end());
  secrets.back().assign(secret);
}

std::string Logger::Redact(std::string_view text) const {
  if (slots_.empty()) return std::string(text);
  // One left-to-right pass, so "[redacted]" itself is never searched again;
  // at each position the longest secret that starts there is replaced whole
  // (a secret may contain another). At most slots x kSecretsPerSlot candidates.
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const std::string_view rest = text.substr(pos);
    size_t hit = 0;
    for (const SecretSlot& slot : slots_) {
      for (const std::string& secret : slot.secrets) {
        if (secret.size() > hit && rest.starts_with(secret)) hit = secret.size();
      }
    }
    if (hit > 0) {
      out.append(kRedacted);
      pos += hit;
    } else {
      out.push_back(text[pos++]);
    }
  }
  return out;
}

std::string LogSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::max(seconds, 0.0));
  return buf;
}

std::string FormatTimestamp(double t) {
  if (!std::isfinite(t) || t < 0) t = 0;
  t = std::min(t, kMaxTimestamp);
  const std::int64_t total_ms = std::llround(t * 1000);
  const std::int64_t secs = total_ms / 1000;
  const int millis = static_cast<int>(total_ms % 1000);
  const std::chrono::sys_days day{std::chrono::days{secs / 86400}};
  const std::chrono::year_month_day ymd{day};
  const int second_of_day = static_cast<int>(secs % 86400);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, second_of_day / 3600,
                second_of_day / 60 % 60, second_of_day % 60, millis);
  return buf;
}

std::string FormatLogLine(LogFormat format, double time, LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields) {
  return FormatLine(format, time, level, message,
                    std::span<const LogField>(fields.begin(), fields.size()));
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

}  // namespace irsa
