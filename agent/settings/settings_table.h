// Internal to irsa_core: the one table of settings. settings.cc holds it (and
// --help, AllSettings(), DisplayValue()), settings_value.cc parses and formats
// its values, settings_ini.cc reads the INI file against it and invocation.cc
// merges the command line, the environment and the file through it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "settings/settings.h"

namespace irsa {

// What a setting's text must look like, and which Settings member type holds it.
enum class SettingKind {
  kPath,  // std::string: no control characters
  kUrl,   // std::string: http:// or https:// with a host
  // std::string, not checked here: a platform variable the agent may not use
  // (AWS_CONTAINER_CREDENTIALS_FULL_URI in an IRSA pod); its user checks it
  // when it is used (CheckPodIdentityUri, when Pod Identity is chosen).
  kPlatformUrl,
  kRunId,         // std::string: 1..128 of [A-Za-z0-9_.-]
  kSecret,        // std::string: no control characters; never echoed
  kRegion,        // std::string: [a-z0-9-]{1,32}
  kListen,        // std::string: host:port or [v6]:port
  kMode,          // int: 3-4 octal digits within 0666, with owner read
  kSeconds,       // double: decimal, SettingRow::min_seconds <= s <= 86400
  kLogLevel,      // LogLevel
  kLogFormat,     // LogFormat
  kBool,          // bool
  kProfileStyle,  // ProfileStyle: chain or process
  kBase,          // std::string: auto, web-identity or pod-identity
  kName,          // std::string: 1..100 of [A-Za-z0-9_-], alphanumeric first (an EKS cluster name)
  kNames,  // std::string: a comma-separated list, no control characters (checked by its user)
  kCount,  // int: decimal, 1..10000
};

using SettingField =
    std::variant<std::string Settings::*, int Settings::*, double Settings::*, bool Settings::*,
                 LogLevel Settings::*, LogFormat Settings::*, ProfileStyle Settings::*>;

struct SettingRow {
  std::string_view name;           // flag --name, env IRSA_AGENT_NAME, INI key name
  std::string_view reference_env;  // comma-separated, highest first; may be empty
  SettingKind kind;
  // For string kinds: whether an explicitly empty value is allowed (it means
  // "unset"). Other kinds never accept an empty value.
  bool may_be_empty;
  std::string_view default_text;  // parsed like any other value
  std::string_view run_default;   // the default under `run` when it differs, else empty
  SettingField field;
  std::string_view help;
  // kSeconds only: the floor. Values below it would turn a retry, a poll or a
  // refresh into a hot loop (or a time-out too short for one TLS handshake).
  double min_seconds = 0;
};

std::span<const SettingRow> SettingRows();

// The row for `name`, or nullptr.
const SettingRow* FindSettingRow(std::string_view name);

// "IRSA_AGENT_" + name in upper snake case.
std::string AgentEnvName(const SettingRow& row);

// `row.reference_env` split at commas, highest first.
std::vector<std::string_view> ReferenceEnvNames(const SettingRow& row);

// Checks `text` against `row`'s kind and stores it in `settings`. On failure
// returns false with the reason in `*why`, without the setting's name (the
// caller prefixes the flag, variable or file line) and, for secrets, without
// the value.
bool ParseSettingValue(const SettingRow& row, std::string_view text, Settings* settings,
                       std::string* why);

// `row`'s current value in `settings` as text that ParseSettingValue accepts
// (secrets included: callers decide what to show).
std::string FormatSettingValue(const SettingRow& row, const Settings& settings);

// One `key = value` line of section [agent], at 1-based line `line`.
struct IniSetting {
  int line = 0;
  const SettingRow* row = nullptr;
  std::string value;
};

// Reads the [agent] section of an INI file's text (settings_ini.cc). `path`
// names the file in messages ("path:line: ..."). Fails on unknown sections or
// keys, a key given twice, and on any line inih would read differently from
// how it looks (see settings_ini.cc).
bool ReadIniSettings(std::string_view text, std::string_view path, std::vector<IniSetting>* out,
                     std::string* err);

}  // namespace irsa
