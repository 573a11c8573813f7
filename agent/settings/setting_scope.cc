// The commands' descriptions, which settings each command uses, and the
// help, man page and completion generated from them and the settings table.

#include "settings/setting_scope.h"

#include <algorithm>
#include <cctype>

#include "settings/settings_table.h"

namespace irsa {
namespace {

using C = Command;

constexpr unsigned Bit(Command c) { return 1u << static_cast<unsigned>(c); }
constexpr unsigned kMapping = Bit(C::kOnce) | Bit(C::kRun) | Bit(C::kDoctor);
constexpr unsigned kWriters = Bit(C::kOnce) | Bit(C::kRun);
constexpr unsigned kReap = Bit(C::kReap);
// The mapping service talks to Kubernetes as the reaper does.
constexpr unsigned kKube = kReap | Bit(C::kMappingService);
// `exec` finds the agent and, without one, runs the chain as `credentials` does.
constexpr unsigned kCredentialUsers = Bit(C::kCredentials) | Bit(C::kExec);

// Settings used by some commands only. Any other setting is used by every
// command (and never warned about).
struct SettingScope {
  std::string_view name;
  unsigned commands;
};
constexpr SettingScope kScopes[] = {
    {"domino-token-file", kMapping},
    {"endpoint", kMapping},
    {"api-proxy", kMapping},
    {"pod-info-path", kMapping},
    {"api-key", kMapping},
    {"mapping-file", kMapping},
    {"run-id", kMapping | kCredentialUsers},
    {"file-mode", kWriters},
    {"poll-interval", Bit(C::kRun)},
    {"refresh-interval", Bit(C::kRun)},
    {"refusal-retry-window", Bit(C::kRun)},
    {"listen", Bit(C::kRun) | Bit(C::kMappingService)},
    {"listen-any", Bit(C::kRun)},
    {"install-to", kWriters},
    {"state-dir", kMapping | Bit(C::kStatus) | kCredentialUsers},
    {"socket", kMapping | Bit(C::kStatus) | kCredentialUsers},
    {"profile-style", kMapping},
    {"source-identity", kMapping | kCredentialUsers},
    {"session-tags", kMapping | kCredentialUsers},
    {"cluster", kReap},
    {"eks-endpoint", kReap},
    {"namespaces", kReap},
    {"kube-api", kKube},
    {"kube-token-file", kKube},
    {"kube-ca-file", kKube},
    {"max-evictions", kReap},
    {"dry-run", kReap},
    {"reap-interval", kReap},
};

const std::vector<CommandInfo>& Commands() {
  static const std::vector<CommandInfo>* const commands = new std::vector<CommandInfo>{
      {C::kOnce, "once", "once [OPTIONS]",
       "fetch the mapping once, write the config file (the default)", "--print",
       "  --print              print the config to stdout instead of writing the file\n"},
      {C::kRun, "run", "run [OPTIONS]", "keep the config current: watch the tokens, refresh, retry",
       "", ""},
      {C::kStatus, "status", "status [--json]",
       "whether a live agent has synced; the config file's state", "--json",
       "  --json               machine-readable output\n"},
      {C::kDoctor, "doctor", "doctor [--json] [--sts | --mapping-service]",
       "check every input and the mapping service, explain failures",
       "--json --sts --mapping-service",
       "  --json               machine-readable output\n"
       "  --sts                also try STS with the token (AssumeRoleWithWebIdentity)\n"
       "  --mapping-service    check the mapping service's side instead (Domino, Kubernetes,\n"
       "                       the ConfigMaps, IAM), with the settings of mapping-service\n"},
      {C::kProfiles, "profiles", "profiles [--json]", "list the profiles in the config file",
       "--json", "  --json               machine-readable output\n"},
      {C::kInstall, "install", "install DIR", "copy this binary into DIR", "", ""},
      {C::kCredentials, "credentials", "credentials PROFILE [OPTIONS]",
       "print PROFILE's credentials as credential_process JSON",
       "--role-arn --source-role-arn --session-name --set-source-identity --tag",
       "  --role-arn ARN       the role to assume when no agent answers\n"
       "  --source-role-arn ARN  the proxy role before it (chain style)\n"
       "  --session-name N     the role session name\n"
       "  --set-source-identity U  AssumeRole's SourceIdentity\n"
       "  --tag KEY=VALUE      a session tag (repeatable, at most 50)\n"},
      {C::kReap, "reap", "reap --cluster NAME [--once] [OPTIONS]",
       "evict pods whose Pod Identity association changed or went", "--once",
       "  --once               one round, then exit\n"},
      {C::kHelp, "help", "help [COMMAND]", "this help, or one command's (also --help, -h)", "--man",
       "  --man                the manual page (roff)\n"},
      {C::kVersion, "version", "version [--json]", "show the version and build (also --version)",
       "--json", "  --json               machine-readable output\n"},
      {C::kExec, "exec", "exec PROFILE [OPTIONS] -- COMMAND [ARGS...]",
       "run COMMAND with an environment whose AWS SDKs use PROFILE", "", ""},
      {C::kCompletion, "completion", "completion bash", "print the bash completion script", "", ""},
      {C::kMappingService, "mapping-service", "mapping-service --listen HOST:PORT [OPTIONS]",
       "serve the IAM mapping service (POST /map_iam_role_to_pod_sa)", "", ""},
  };
  return *commands;
}

std::string Upper(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string_view TypeName(const SettingRow& row) {
  for (const SettingInfo& info : AllSettings()) {
    if (info.name == row.name) return info.type;
  }
  return "value";
}

// Words of a space-separated list.
std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t space = std::min(text.find(' '), text.size());
    if (space > 0) out.push_back(text.substr(0, space));
    text.remove_prefix(std::min(space + 1, text.size()));
  }
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two neighbours ("rnu" is one step from "run").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// A roff line: a leading '.' or '\'' would be a request, '\' an escape.
std::string Roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

}  // namespace

const std::vector<CommandInfo>& AllCommands() { return Commands(); }

const CommandInfo* FindCommandInfo(std::string_view name) {
  for (const CommandInfo& info : Commands()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

bool SettingUsedBy(std::string_view name, Command command) {
  for (const SettingScope& scope : kScopes) {
    if (scope.name == name) return (scope.commands & Bit(command)) != 0;
  }
  return true;
}

std::vector<std::string_view> KnownFlagNames() {
  std::vector<std::string_view> names = {"config", "help", "version"};
  for (const SettingRow& row : SettingRows()) names.push_back(row.name);
  for (const CommandInfo& info : Commands()) {
    for (std::string_view flag : Words(info.option_flags)) {
      flag.remove_prefix(std::min<size_t>(2, flag.size()));
      if (std::find(names.begin(), names.end(), flag) == names.end()) names.push_back(flag);
    }
  }
  return names;
}

std::string DidYouMean(std::string_view name) {
  std::string_view best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (std::string_view known : KnownFlagNames()) {
    const size_t d = EditDistance(name, known);
    if (d < best_distance) {
      best = known;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean --" + std::string(best) + "?)";
}

std::string DidYouMeanCommand(std::string_view name) {
  std::string_view best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const CommandInfo& info : Commands()) {
    const size_t d = EditDistance(name, info.name);
    if (d < best_distance) {
      best = info.name;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean " + std::string(best) + "?)";
}

std::string CommandHelpText(const CommandInfo& info) {
  std::string out = "Usage: irsa-agent " + std::string(info.synopsis) + "\n\n" +
                    std::string(info.summary) + ".\n";
  const bool info_only = info.command == Command::kHelp || info.command == Command::kVersion ||
                         info.command == Command::kCompletion;
  if (!info.options.empty() || !info_only) out += "\nOptions:\n" + std::string(info.options);
  if (info_only) return out;
  out += "  --config FILE        read settings from section [agent] of an INI file\n";
  out +=
      "\nSettings it uses (--NAME VALUE, or IRSA_AGENT_NAME, the variables shown, INI key\n"
      "NAME; a BOOL flag alone means true):\n";
  for (const SettingRow& row : SettingRows()) {
    if (!SettingUsedBy(row.name, info.command)) continue;
    std::string flag = "  --" + std::string(row.name) + " " + Upper(TypeName(row));
    flag.resize(std::max<size_t>(flag.size() + 2, 32), ' ');
    out += flag + std::string(row.help) + "\n";
    std::string detail;
    for (std::string_view name : ReferenceEnvNames(row)) {
      detail += (detail.empty() ? "" : ", ") + std::string(name);
    }
    const bool run_default = info.command == Command::kRun && !row.run_default.empty();
    const std::string_view fallback = run_default ? row.run_default : row.default_text;
    if (!fallback.empty()) {
      detail += (detail.empty() ? "" : "; ") + std::string("default ") + std::string(fallback);
    }
    if (!detail.empty()) out += "      " + detail + "\n";
  }
  return out;
}

std::string ManPage(std::string_view version) {
  std::string out = ".TH IRSA\\-AGENT 1 \"\" \"irsa-agent " + Roff(version) +
                    "\" \"User Commands\"\n"
                    ".SH NAME\nirsa\\-agent \\- write AWS profiles for the IAM roles mapped to a "
                    "Domino run\n"
                    ".SH SYNOPSIS\n.B irsa\\-agent\n[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR]\n"
                    ".SH DESCRIPTION\nirsa\\-agent asks the role mapping service which IAM roles "
                    "the run may use and writes them as profiles of an AWS config file.\n"
                    ".SH COMMANDS\n";
  for (const CommandInfo& info : Commands()) {
    out += ".TP\n.B " + Roff(info.synopsis) + "\n" + Roff(info.summary) + ".\n";
    std::string_view options = info.options;
    while (!options.empty()) {
      const size_t end = std::min(options.find('\n'), options.size());
      std::string_view line = options.substr(0, end);
      options.remove_prefix(std::min(end + 1, options.size()));
      while (line.starts_with(' ')) line.remove_prefix(1);
      out += ".br\n" + Roff(line) + "\n";
    }
  }
  out +=
      ".SH SETTINGS\nEvery setting NAME comes from, highest first: the flag \\fB\\-\\-NAME\\fR "
      "\\fIVALUE\\fR (or \\fB\\-\\-NAME=\\fR\\fIVALUE\\fR; a boolean flag alone means true), "
      "the environment variable IRSA_AGENT_NAME, the reference variable named below, key NAME in "
      "section [agent] of the INI file named by \\fB\\-\\-config\\fR, and the default. A flag "
      "that the command does not use gets a warning.\n";
  for (const SettingRow& row : SettingRows()) {
    out += ".TP\n.BI \\-\\-" + Roff(row.name) + " \" " + Upper(TypeName(row)) + "\"\n" +
           Roff(row.help) + ".\n.br\n" + Roff(AgentEnvName(row));
    if (!row.reference_env.empty()) out += ", " + Roff(row.reference_env);
    if (!row.default_text.empty()) out += "; default " + Roff(row.default_text);
    if (!row.run_default.empty()) out += " (run: " + Roff(row.run_default) + ")";
    out += ".\n";
    std::string users;
    for (const CommandInfo& info : Commands()) {
      if (info.command == Command::kHelp || info.command == Command::kVersion ||
          info.command == Command::kCompletion || !SettingUsedBy(row.name, info.command)) {
        continue;
      }
      users += (users.empty() ? "" : ", ") + std::string(info.name);
    }
    out += ".br\nUsed by: " + users + ".\n";
  }
  out +=
      ".SH EXIT STATUS\n0 success; 1 the service stayed unavailable until timeout (status: not "
      "ready; doctor: a check failed); 2 bad flags, settings or INI file; 3 the service refused "
      "the credential or request; 4 a local input is missing or malformed; 5 the answer stayed "
      "unusable; 6 the config file could not be written; 70 an internal error.\n"
      ".SH SEE ALSO\nThe README, DEPLOYMENT.md, TROUBLESHOOTING.md and SECURITY.md shipped in "
      "/usr/share/doc/irsa\\-agent.\n";
  return out;
}

std::string BashCompletion() {
  std::string commands;
  std::string cases;
  for (const CommandInfo& info : Commands()) {
    commands += (commands.empty() ? "" : " ") + std::string(info.name);
    std::string flags = std::string(info.option_flags);
    if (info.command != Command::kHelp && info.command != Command::kVersion &&
        info.command != Command::kCompletion) {
      flags += (flags.empty() ? "" : " ") + std::string("--config --help");
      for (const SettingRow& row : SettingRows()) {
        if (SettingUsedBy(row.name, info.command)) flags += " --" + std::string(row.name);
      }
    }
    cases += "    " + std::string(info.name) + ") flags=\"" + flags + "\" ;;\n";
  }
  return "# bash completion for irsa-agent: source it, or install it as\n"
         "# /usr/share/bash-completion/completions/irsa-agent\n"
         "_irsa_agent() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" command=\"\" word flags\n"
         "  for word in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
         "    case \"$word\" in -*) ;; *) command=\"$word\"; break ;; esac\n"
         "  done\n"
         "  if [[ -z \"$command\" && \"$cur\" != -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"" +
         commands +
         "\" -- \"$cur\"))\n"
         "    return\n"
         "  fi\n"
         "  case \"${command:-once}\" in\n" +
         cases +
         "    *) flags=\"\" ;;\n"
         "  esac\n"
         "  if [[ \"$command\" == help && \"$cur\" != -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"" +
         commands +
         "\" -- \"$cur\"))\n"
         "    return\n"
         "  fi\n"
         "  if [[ \"$cur\" == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -F _irsa_agent irsa-agent\n";
}

}  // namespace irsa
