// The downward-API labels file. The kubelet renders each label with Go's
// fmt "%s=%q", so the only escapes accepted are those strconv.Quote emits;
// anything else means the file is not what the kubelet wrote.
#include "domain/labels.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/text.h"

namespace irsa {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '/' || c == '-';
}

bool IsValidKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!IsKeyChar(c)) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The one-letter escapes strconv.Quote emits, and the bytes they stand for.
constexpr std::string_view kEscapeLetters = "abfnrtv\\\"";
constexpr std::string_view kEscapeBytes = "\a\b\f\n\r\t\v\\\"";

// Reads `digits` hex digits at the start of `s` into `*value`.
bool ReadHex(std::string_view s, size_t digits, uint32_t* value) {
  if (s.size() < digits) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const int d = HexValue(s[i]);
    if (d < 0) return false;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  *value = v;
  return true;
}

// Decodes one escape; `s` starts just after the backslash and holds the rest
// of the line. Appends the decoded bytes to `*out` and sets `*used` to the
// number of characters consumed after the backslash.
bool DecodeEscape(std::string_view s, std::string* out, size_t* used, std::string* what) {
  const char letter = s[0];
  const size_t simple = kEscapeLetters.find(letter);
  if (simple != std::string_view::npos) {
    out->push_back(kEscapeBytes[simple]);
    *used = 1;
    return true;
  }
  size_t digits = 0;
  if (letter == 'x') digits = 2;
  if (letter == 'u') digits = 4;
  if (letter == 'U') digits = 8;
  // Echo the escape as far as it should reach (or the line allows).
  const std::string shown = "\\" + std::string(s.substr(0, 1 + digits));
  uint32_t value = 0;
  if (digits == 0 || !ReadHex(s.substr(1), digits, &value)) {
    *what = "bad escape '" + Printable(shown) + "'";
    return false;
  }
  if (letter == 'x') {
    out->push_back(static_cast<char>(value));  // a raw byte, as Go wrote it
  } else if (!AppendUtf8(static_cast<char32_t>(value), out)) {
    *what = "escape '" + Printable(shown) + "' is not a Unicode scalar value";
    return false;
  }
  *used = 1 + digits;
  return true;
}

// Decodes `s`, which starts just after the opening quote, up to the closing
// quote; `*rest` receives what follows it.
bool DecodeQuoted(std::string_view s, std::string* value, std::string_view* rest,
                  std::string* what) {
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      *rest = s.substr(i + 1);
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) break;
      size_t used = 0;
      if (!DecodeEscape(s.substr(i + 1), value, &used, what)) return false;
      i += 1 + used;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') {
      *what = "control character in quoted value";
      return false;
    }
    value->push_back(c);
    ++i;
  }
  *what = "unterminated quoted value";
  return false;
}

// Parses one `key="value"` line; on failure `*what` says why (no line number).
bool ParseLine(std::string_view line, std::string* key, std::string* value, std::string* what) {
  if (line.empty()) {
    *what = "empty line";
    return false;
  }
  if (line.find('\r') != std::string_view::npos) {
    *what = "carriage return in line";
    return false;
  }
  if (!IsValidUtf8(line)) {
    *what = "invalid UTF-8";
    return false;
  }
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos) {
    *what = "missing '=' after key";
    return false;
  }
  const std::string_view k = line.substr(0, eq);
  if (!IsValidKey(k)) {
    *what = k.empty() ? "empty key" : "invalid key '" + Printable(k) + "'";
    return false;
  }
  const std::string_view quoted = line.substr(eq + 1);
  if (quoted.empty() || quoted.front() != '"') {
    *what = "value must be quoted";
    return false;
  }
  std::string v;
  std::string_view rest;
  if (!DecodeQuoted(quoted.substr(1), &v, &rest, what)) return false;
  if (!rest.empty()) {
    *what = "text after closing quote";
    return false;
  }
  *key = std::string(k);
  *value = std::move(v);
  return true;
}

}  // namespace

bool ParseLabels(std::string_view text, Labels* out, std::string* err) {
  Labels labels;
  // SplitLines drops one final empty line: that is the tolerated trailing '\n'.
  const std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto fail = [&](const std::string& what) {
      *err = "labels:" + std::to_string(i + 1) + ": " + what;
      return false;
    };
    std::string key;
    std::string value;
    std::string what;
    if (!ParseLine(lines[i], &key, &value, &what)) return fail(what);
    if (labels.count(key) != 0) return fail("duplicate key '" + Printable(key) + "'");
    labels.emplace(std::move(key), std::move(value));
  }
  *out = std::move(labels);
  return true;
}

bool IsValidRunId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidWorkloadType(std::string_view type) {
  if (type.empty() || type.size() > 63) return false;
  for (char c : type) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool PodIdentityFromLabels(const Labels& labels, PodIdentity* out, std::string* err) {
  constexpr std::string_view kRunPrefix = "run-";
  PodIdentity identity;
  std::string_view source;
  const auto name = labels.find(std::string(kNameLabel));
  const auto execution = labels.find(std::string(kExecutionIdLabel));
  if (name != labels.end() && name->second.starts_with(kRunPrefix)) {
    identity.run_id = name->second.substr(kRunPrefix.size());
    source = kNameLabel;
  } else if (execution != labels.end()) {
    identity.run_id = execution->second;
    source = kExecutionIdLabel;
  } else {
    *err = "labels: no run id: neither " + std::string(kNameLabel) + "=\"run-...\" nor " +
           std::string(kExecutionIdLabel) + " is set";
    return false;
  }
  // An invalid id from the label that was chosen is reported, not skipped:
  // silently using the other label would hide a pod that is labelled wrongly.
  if (!IsValidRunId(identity.run_id)) {
    *err = "labels: run id '" + Printable(identity.run_id) + "' from " + std::string(source) +
           " is not valid";
    return false;
  }
  const auto type = labels.find(std::string(kWorkloadTypeLabel));
  if (type != labels.end()) {
    if (!IsValidWorkloadType(type->second)) {
      *err = "labels: " + std::string(kWorkloadTypeLabel) + " '" + Printable(type->second) +
             "' is not valid";
      return false;
    }
    identity.workload_type = type->second;
  }
  // Only named in CloudTrail (session_name.h cleans them): never a reason to fail.
  if (const auto user = labels.find(std::string(kStartingUserLabel)); user != labels.end()) {
    identity.user = user->second;
  }
  if (const auto project = labels.find(std::string(kProjectNameLabel)); project != labels.end()) {
    identity.project = project->second;
  }
  *out = std::move(identity);
  return true;
}

std::string LabelsError(const std::string& path, const std::string& message) {
  constexpr std::string_view kPrefix = "labels";
  if (message.starts_with(kPrefix)) return path + message.substr(kPrefix.size());
  return path + ": " + message;
}

}  // namespace irsa
