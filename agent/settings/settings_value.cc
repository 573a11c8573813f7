// The grammar of each kind of setting value (settings_table.h): checking and
// storing a value, and formatting it back.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

#include "base/text.h"
#include "base/url.h"
#include "irsa_agent/listener.h"
#include "settings/listen_address.h"
#include "settings/settings_table.h"

namespace irsa {
namespace {

using K = SettingKind;
constexpr double kMaxSeconds = 86400;

std::string Quoted(std::string_view text) { return "'" + Printable(text) + "'"; }

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// The shortest fixed form that reads back as exactly the value ParseSeconds
// accepted: at most 5 integer digits, and below 1 up to 340 fraction digits
// (a denormal like 0.000...0005), so 400 bytes always suffice. The first
// precision whose correctly rounded form round-trips is the shortest one.
std::string FormatSeconds(double value) {
  char buf[400];
  for (int precision = 0; precision <= 340; ++precision) {
    const int n = std::snprintf(buf, sizeof(buf), "%.*f", precision, value);
    if (n <= 0 || n >= static_cast<int>(sizeof(buf))) break;
    if (std::strtod(buf, nullptr) == value) return std::string(buf, static_cast<size_t>(n));
  }
  return "?";
}

// Decimal seconds: digits, optionally '.' and more digits. No sign, exponent,
// "inf" or "nan", so the value is always finite. At least `floor`.
bool ParseSeconds(std::string_view text, double floor, double* out, std::string* why) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  const auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), IsAsciiDigit);
  };
  double value = 0;
  const bool grammar = !whole.empty() && all_digits(whole) &&
                       (dot == std::string_view::npos || (!frac.empty() && all_digits(frac)));
  if (!grammar) {
    *why = Quoted(text) + " is not a number of seconds";
    return false;
  }
  // strtod, not std::from_chars: the latter links 150 KB of libstdc++ into the
  // static binary. The agent never calls setlocale, so '.' is the separator.
  const std::string digits(text);
  value = std::strtod(digits.c_str(), nullptr);
  if (!(value > 0) || value < floor || value > kMaxSeconds) {
    const std::string low = floor > 0 ? "at least " + FormatSeconds(floor) : "above 0";
    *why = Quoted(text) + " is out of range (" + low + ", at most 86400 seconds)";
    return false;
  }
  *out = value;
  return true;
}

// "0644" or "644": 3-4 octal digits, no bits beyond 0666 (no execute, setuid,
// setgid or sticky), and owner read so the agent's user can read it back.
bool ParseMode(std::string_view text, int* out, std::string* why) {
  const bool grammar =
      (text.size() == 3 || text.size() == 4) &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!grammar) {
    *why = Quoted(text) + " is not an octal file mode like 0644";
    return false;
  }
  int mode = 0;
  for (char c : text) mode = mode * 8 + (c - '0');
  if ((mode & ~0666) != 0) {
    *why = Quoted(text) + " has bits outside 0666 (no execute or special bits)";
    return false;
  }
  if ((mode & 0400) == 0) {
    *why = Quoted(text) + " lacks owner read (0400)";
    return false;
  }
  *out = mode;
  return true;
}

bool IsUrl(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return false;
  }
  if (std::any_of(text.begin(), text.end(), [](char c) { return c == ' '; })) return false;
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  // The host is what remains before an optional :port ("[v6]:port" included).
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  return !authority.empty() && authority != "[]";
}

bool IsRunId(std::string_view text) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool IsClusterName(std::string_view text) {
  return !text.empty() && text.size() <= 100 && std::isalnum(static_cast<unsigned char>(text[0])) &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

// Decimal 1..10000.
bool ParseCount(std::string_view text, int* out, std::string* why) {
  int value = 0;
  const bool digits =
      !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), IsAsciiDigit);
  for (char c : digits ? text : std::string_view()) value = value * 10 + (c - '0');
  if (!digits || value < 1 || value > 10000) {
    *why = Quoted(text) + " is not a whole number from 1 to 10000";
    return false;
  }
  *out = value;
  return true;
}

bool IsRegion(std::string_view text) {
  return !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '-';
  });
}

bool ParseString(const SettingRow& row, std::string_view text, std::string* out, std::string* why) {
  if (text.empty()) {
    if (!row.may_be_empty) {
      *why = "must not be empty";
      return false;
    }
    out->clear();
    return true;
  }
  bool ok = true;
  switch (row.kind) {
    case K::kPath:
    case K::kSecret:
    case K::kNames:
      if (HasControlChar(text)) {
        *why = "contains a control character";  // never the value: it may be a secret
        return false;
      }
      break;
    case K::kUrl:
      ok = !HasControlChar(text) && IsUrl(text);
      if (!ok) *why = Quoted(DisplayUrl(text)) + " is not an http:// or https:// URL with a host";
      break;
    case K::kRunId:
      ok = IsRunId(text);
      if (!ok) *why = Quoted(text) + " is not a run id (1 to 128 of A-Z a-z 0-9 _ . -)";
      break;
    case K::kName:
      ok = IsClusterName(text);
      if (!ok) *why = Quoted(text) + " is not a cluster name (1 to 100 of A-Z a-z 0-9 _ -)";
      break;
    case K::kRegion:
      ok = IsRegion(text);
      if (!ok) *why = Quoted(text) + " is not a region like us-east-1";
      break;
    case K::kBase:
      ok = text == "auto" || text == "web-identity" || text == "pod-identity";
      if (!ok) *why = Quoted(text) + " is not auto, web-identity or pod-identity";
      break;
    case K::kListen: {
      std::string host_ignored;
      int port_ignored = 0;
      std::string why_ignored;
      ok = ParseListenAddress(text, /*allow_any=*/true, &host_ignored, &port_ignored, &why_ignored);
      if (!ok) *why = Quoted(text) + " is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)";
      break;
    }
    default:
      break;
  }
  if (ok) out->assign(text);
  return ok;
}

// debug, info, warning (or warn), error; any case, as LOG_LEVEL has them upper-case.
bool ParseLogLevel(std::string_view text, LogLevel* out, std::string* why) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (EqualsIgnoreCase(text, LogLevelName(level))) {
      *out = level;
      return true;
    }
  }
  if (EqualsIgnoreCase(text, "warn")) {
    *out = LogLevel::kWarning;
    return true;
  }
  *why = Quoted(text) + " is not debug, info, warning or error";
  return false;
}

bool ParseLogFormat(std::string_view text, LogFormat* out, std::string* why) {
  if (EqualsIgnoreCase(text, "text") || EqualsIgnoreCase(text, "json")) {
    *out = EqualsIgnoreCase(text, "json") ? LogFormat::kJson : LogFormat::kText;
    return true;
  }
  *why = Quoted(text) + " is not text or json";
  return false;
}

bool ParseProfileStyle(std::string_view text, ProfileStyle* out, std::string* why) {
  if (EqualsIgnoreCase(text, "chain") || EqualsIgnoreCase(text, "process")) {
    *out = EqualsIgnoreCase(text, "chain") ? ProfileStyle::kChain : ProfileStyle::kProcess;
    return true;
  }
  *why = Quoted(text) + " is not chain or process";
  return false;
}

bool ParseBool(std::string_view text, bool* out, std::string* why) {
  const auto any_of = [text](std::initializer_list<std::string_view> words) {
    return std::any_of(words.begin(), words.end(),
                       [text](std::string_view word) { return EqualsIgnoreCase(text, word); });
  };
  if (any_of({"true", "1", "yes"}) || any_of({"false", "0", "no"})) {
    *out = any_of({"true", "1", "yes"});
    return true;
  }
  *why = Quoted(text) + " is not true or false";
  return false;
}

}  // namespace

bool ParseSettingValue(const SettingRow& row, std::string_view text, Settings* settings,
                       std::string* why) {
  switch (row.kind) {
    case K::kCount:
      return ParseCount(text, &(settings->*std::get<int Settings::*>(row.field)), why);
    case K::kMode:
      return ParseMode(text, &(settings->*std::get<int Settings::*>(row.field)), why);
    case K::kSeconds:
      return ParseSeconds(text, row.min_seconds,
                          &(settings->*std::get<double Settings::*>(row.field)), why);
    case K::kLogLevel:
      return ParseLogLevel(text, &(settings->*std::get<LogLevel Settings::*>(row.field)), why);
    case K::kLogFormat:
      return ParseLogFormat(text, &(settings->*std::get<LogFormat Settings::*>(row.field)), why);
    case K::kProfileStyle:
      return ParseProfileStyle(text, &(settings->*std::get<ProfileStyle Settings::*>(row.field)),
                               why);
    case K::kBool:
      return ParseBool(text, &(settings->*std::get<bool Settings::*>(row.field)), why);
    default:
      return ParseString(row, text, &(settings->*std::get<std::string Settings::*>(row.field)),
                         why);
  }
}

std::string FormatSettingValue(const SettingRow& row, const Settings& settings) {
  switch (row.kind) {
    case K::kMode: {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%04o", settings.*std::get<int Settings::*>(row.field));
      return buf;
    }
    case K::kCount:
      return std::to_string(settings.*std::get<int Settings::*>(row.field));
    case K::kSeconds:
      return FormatSeconds(settings.*std::get<double Settings::*>(row.field));
    case K::kLogLevel:
      return std::string(LogLevelName(settings.*std::get<LogLevel Settings::*>(row.field)));
    case K::kLogFormat:
      return settings.*std::get<LogFormat Settings::*>(row.field) == LogFormat::kJson ? "json"
                                                                                      : "text";
    case K::kBool:
      return settings.*std::get<bool Settings::*>(row.field) ? "true" : "false";
    case K::kProfileStyle:
      return settings.*std::get<ProfileStyle Settings::*>(row.field) == ProfileStyle::kProcess
                 ? "process"
                 : "chain";
    default:
      return settings.*std::get<std::string Settings::*>(row.field);
  }
}

}  // namespace irsa
