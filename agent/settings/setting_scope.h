// Which commands use which setting, and the per-command text derived from it
// and from the settings table: `irsa-agent help COMMAND`, the warning for a
// flag the command ignores, "did you mean" for a misspelt one, the man page
// and the bash completion. A setting not named in setting_scope.cc's table is
// used by every command (a row added later needs no entry to work).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "settings/settings.h"

namespace irsa {

struct CommandInfo {
  Command command;
  std::string_view name;
  std::string_view synopsis;  // "run [OPTIONS]"
  std::string_view summary;   // one line
  // Options that are not settings: their flags, space-separated ("--print"),
  // and their help, one "  --flag ARG   text" line each.
  std::string_view option_flags;
  std::string_view options;
};

// Every command, in --help order.
const std::vector<CommandInfo>& AllCommands();

// The command named `name`, or nullptr.
const CommandInfo* FindCommandInfo(std::string_view name);

// Whether `command` reads setting `name`.
bool SettingUsedBy(std::string_view name, Command command);

// The flags and option names the command line knows (settings, command
// options, credentials' recipe, --config, --help, --version), without "--".
std::vector<std::string_view> KnownFlagNames();

// The known flag closest to `name` (an edit distance of at most a third of
// its length, and at least 1), as " (did you mean --x?)", else empty.
std::string DidYouMean(std::string_view name);

// The same for a misspelt command: " (did you mean run?)", else empty.
std::string DidYouMeanCommand(std::string_view name);

// `irsa-agent help COMMAND`: synopsis, summary, options, and the settings the
// command uses (name, type, variables, default), from the table.
std::string CommandHelpText(const CommandInfo& info);

// A man page (roff, man(7)) for irsa-agent: every command and every setting.
std::string ManPage(std::string_view version);

// `irsa-agent completion bash`: a bash completion script.
std::string BashCompletion();

}  // namespace irsa
