// The command line, the environment and the INI file -> an Invocation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "settings/settings.h"

namespace irsa {

// The INI file to read, from --config / IRSA_AGENT_CONFIG; empty for none.
// Returns false with `*err` for a --config without a value.
bool FindConfigFile(const std::vector<std::string>& args, const Environment& env, std::string* path,
                    std::string* err);

// Parses `args` (without argv[0]): an optional command (default `once`), then
// flags `--NAME VALUE` or `--NAME=VALUE`. `config_text` is the INI file's
// text (empty when there is none). Returns false with one line in `*err` that
// names the offending flag, variable or file line, for unknown flags, unknown
// IRSA_AGENT_* variables, unknown sections or keys, wrong types, out-of-range
// values and contradictions. Never echoes the value of a secret setting.
bool ParseInvocation(const std::vector<std::string>& args, const Environment& env,
                     std::string_view config_text, Invocation* out, std::string* err);

}  // namespace irsa
