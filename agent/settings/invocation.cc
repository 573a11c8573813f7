// The command line: the command, its options, and the settings merged from
// flags, the environment, the INI file and the defaults (settings.h).
//
// Every flag, IRSA_AGENT_* variable and INI key given is checked, even when a
// higher source overrides it: they are ours, and a mistake in one should not
// wait until the override is removed. A reference variable (AWS_REGION,
// LOG_LEVEL, ...) belongs to the deployment and may be meant for another
// program, so it is checked only when its value is used; an empty one counts
// as not set.

#include "settings/invocation.h"

#include <algorithm>
#include <map>

#include "base/text.h"
#include "irsa_agent/listener.h"
#include "settings/listen_address.h"
#include "settings/setting_scope.h"
#include "settings/settings.h"
#include "settings/settings_table.h"
#include "settings/sts_endpoint.h"

namespace irsa {
namespace {

constexpr std::string_view kAgentEnvPrefix = "IRSA_AGENT_";
constexpr std::string_view kConfigEnv = "IRSA_AGENT_CONFIG";
constexpr double kMinReapInterval = 10;

struct CommandName {
  std::string_view name;
  Command command;
};
constexpr CommandName kCommands[] = {
    {"once", Command::kOnce},
    {"run", Command::kRun},
    {"status", Command::kStatus},
    {"doctor", Command::kDoctor},
    {"profiles", Command::kProfiles},
    {"install", Command::kInstall},
    {"credentials", Command::kCredentials},
    {"help", Command::kHelp},
    {"version", Command::kVersion},
    {"reap", Command::kReap},
    {"exec", Command::kExec},
    {"completion", Command::kCompletion},
    {"mapping-service", Command::kMappingService},
};

constexpr unsigned Bit(Command c) { return 1u << static_cast<unsigned>(c); }

// Options that are not settings: they belong to some commands only.
struct CommandOption {
  std::string_view name;
  bool Invocation::*field;
  unsigned commands;          // Bit() of each command that takes it
  std::string_view for_text;  // those commands, for the message
};
constexpr CommandOption kOptions[] = {
    {"print", &Invocation::print, Bit(Command::kOnce), "once"},
    {"json", &Invocation::json,
     Bit(Command::kStatus) | Bit(Command::kDoctor) | Bit(Command::kProfiles),
     "status, doctor and profiles"},
    {"sts", &Invocation::sts, Bit(Command::kDoctor), "doctor"},
    {"mapping-service", &Invocation::mapping_service, Bit(Command::kDoctor), "doctor"},
    {"once", &Invocation::once, Bit(Command::kReap), "reap"},
};

// Options of `credentials` that take a value: its standalone recipe.
struct ValueOption {
  std::string_view name;
  std::string Invocation::*field;
};
constexpr ValueOption kCredentialOptions[] = {
    {"role-arn", &Invocation::role_arn},
    {"source-role-arn", &Invocation::source_role_arn},
    {"session-name", &Invocation::session_name},
    {"set-source-identity", &Invocation::set_source_identity},
};
constexpr std::string_view kTagOption = "tag";
constexpr size_t kMaxTags = 50;  // STS's limit on session tags

const ValueOption* FindValueOption(std::string_view name) {
  for (const ValueOption& option : kCredentialOptions) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

// A value for one setting from one source.
struct Given {
  std::string value;
  SettingSource source;
  std::string origin;  // Settings::origin: "flag --timeout", "env AWS_REGION", "file /x.ini:4"
  std::string label;   // what an error names: "--timeout", "AWS_REGION", "/x.ini:4: timeout"
};
using GivenMap = std::map<const SettingRow*, Given>;

// One argument after the command.
struct Arg {
  bool is_flag = false;
  std::string_view flag;   // as written, without "=value": "--timeout", "-h"
  std::string_view name;   // "timeout"; "help" for -h; empty for a short or bare flag
  std::string_view value;  // the flag's value, or the positional argument itself
  bool has_value = false;
};

// A boolean setting (--listen-any, --dry-run): alone it means true, and it
// takes the next word only when that is exactly `true` or `false`.
bool IsBoolFlag(std::string_view name) {
  const SettingRow* row = FindSettingRow(name);
  return row != nullptr && row->kind == SettingKind::kBool;
}

bool TakesValue(std::string_view name) {
  return name == "config" || name == kTagOption || FindValueOption(name) != nullptr ||
         (FindSettingRow(name) != nullptr && !IsBoolFlag(name));
}

// Reads args[*i] (and its value, for a flag that takes one), advancing *i.
// Fails only for a flag that takes a value and has none.
bool NextArg(const std::vector<std::string>& args, size_t* i, Arg* arg, std::string* err) {
  *arg = Arg{};
  const std::string_view text = args[(*i)++];
  if (!text.starts_with('-') || text == "-") {
    arg->value = text;
    return true;
  }
  arg->is_flag = true;
  const size_t equals = text.find('=');
  arg->flag = text.substr(0, equals);
  if (arg->flag == "-h") arg->name = "help";
  if (arg->flag.starts_with("--")) arg->name = arg->flag.substr(2);
  if (equals != std::string_view::npos) {
    arg->value = text.substr(equals + 1);
    arg->has_value = true;
  } else if (IsBoolFlag(arg->name)) {
    const bool word = *i < args.size() && (args[*i] == "true" || args[*i] == "false");
    arg->value = word ? std::string_view(args[(*i)++]) : std::string_view("true");
    arg->has_value = true;
  } else if (TakesValue(arg->name)) {
    if (*i >= args.size()) {
      *err = "--" + std::string(arg->name) + " needs a value";
      return false;
    }
    arg->value = args[(*i)++];
    arg->has_value = true;
  }
  return true;
}

// The index of the first argument after the command.
size_t FirstOptionIndex(const std::vector<std::string>& args) {
  return !args.empty() && !args[0].starts_with('-') ? 1 : 0;
}

std::string_view CommandNameOf(Command command) {
  for (const CommandName& c : kCommands) {
    if (c.command == command) return c.name;
  }
  return "this command";
}

const CommandName* FindCommand(std::string_view name) {
  for (const CommandName& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// A value option of `credentials` (--role-arn, --tag, ...).
bool TakeValueOption(const Arg& arg, Invocation* out, std::string* err) {
  const std::string flag = "--" + std::string(arg.name);
  if (out->command != Command::kCredentials) {
    *err = flag + " is only for credentials";
    return false;
  }
  if (arg.value.empty() || HasControlChar(arg.value)) {
    *err = flag + (arg.value.empty() ? " needs a value" : ": contains a control character");
    return false;
  }
  if (arg.name == kTagOption) {
    const size_t eq = arg.value.find('=');
    if (eq == 0 || eq == std::string_view::npos) {
      *err = flag + ": '" + Printable(arg.value) + "' is not KEY=VALUE";
      return false;
    }
    if (out->tags.size() == kMaxTags) {
      *err = flag + ": more than " + std::to_string(kMaxTags) + " tags";
      return false;
    }
    out->tags.emplace_back(arg.value.substr(0, eq), arg.value.substr(eq + 1));
    return true;
  }
  std::string& field = out->*FindValueOption(arg.name)->field;
  if (!field.empty()) {
    *err = flag + " given twice";
    return false;
  }
  field = arg.value;
  return true;
}

// A positional argument: install's DIR, credentials' or exec's PROFILE, or a mistake.
bool TakePositional(std::string_view value, Invocation* out, std::string* err) {
  const bool takes_profile =
      out->command == Command::kCredentials || out->command == Command::kExec;
  if (takes_profile && out->profile.empty()) {
    const std::string command = out->command == Command::kExec ? "exec" : "credentials";
    if (value.empty() || HasControlChar(value)) {
      *err = command + (value.empty() ? ": PROFILE must not be empty"
                                      : ": PROFILE contains a control character");
      return false;
    }
    out->profile = value;
    return true;
  }
  if (out->command == Command::kInstall && out->install_dir.empty()) {
    if (value.empty() || HasControlChar(value)) {
      *err = value.empty() ? "install: DIR must not be empty"
                           : "install: DIR contains a control character";
      return false;
    }
    out->install_dir = value;
    return true;
  }
  if (out->command == Command::kExec) {
    *err = "exec: put -- before the command: irsa-agent exec PROFILE -- COMMAND [ARGS...]";
    return false;
  }
  if (FindCommand(value) != nullptr) {
    *err = "the command '" + std::string(value) + "' must come first";
  } else {
    *err = "unexpected argument '" + Printable(value) + "'";
  }
  return false;
}

bool TakeOption(const CommandOption& option, const Arg& arg, Invocation* out, std::string* err) {
  const std::string flag = "--" + std::string(option.name);
  if (arg.has_value) {
    *err = flag + " takes no value";
  } else if ((option.commands & Bit(out->command)) == 0) {
    *err = flag + " is only for " + std::string(option.for_text);
  } else if (out->*option.field) {
    *err = flag + " given twice";
  } else {
    out->*option.field = true;
    return true;
  }
  return false;
}

// The command whose settings an invocation uses: `doctor --mapping-service`
// checks the service with the service's settings.
Command ScopeCommand(const Invocation& inv) {
  return inv.command == Command::kDoctor && inv.mapping_service ? Command::kMappingService
                                                                : inv.command;
}

std::string ScopeName(const Invocation& inv) {
  return ScopeCommand(inv) == inv.command ? std::string(CommandNameOf(inv.command))
                                          : "doctor --mapping-service";
}

// Reads the arguments after the command. Stops early, successfully, at
// --help / -h / --version (the command becomes help / version).
bool ParseArgs(const std::vector<std::string>& args, Invocation* out, GivenMap* flags,
               std::string* err) {
  size_t i = FirstOptionIndex(args);
  std::vector<const SettingRow*> given_rows;  // the settings given as flags, in order
  while (i < args.size()) {
    if (out->command == Command::kExec && args[i] == "--") {
      out->exec_argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      if (out->exec_argv.empty() || out->exec_argv[0].empty()) {
        *err = "exec needs a command after --: irsa-agent exec PROFILE -- COMMAND [ARGS...]";
        return false;
      }
      break;
    }
    Arg arg;
    if (!NextArg(args, &i, &arg, err)) return false;
    if (!arg.is_flag) {
      if (!TakePositional(arg.value, out, err)) return false;
      continue;
    }
    if (arg.name == "help" || arg.name == "version") {
      // `run --help` explains run; `--version --json` is `version --json`.
      if (arg.name == "help" && FirstOptionIndex(args) == 1) out->help_topic = args[0];
      out->json =
          arg.name == "version" && std::find(args.begin() + i, args.end(), "--json") != args.end();
      out->command = arg.name == "help" ? Command::kHelp : Command::kVersion;
      return true;
    }
    if (arg.name == "config") continue;  // FindConfigFile() reads it
    const auto option = std::find_if(std::begin(kOptions), std::end(kOptions),
                                     [&arg](const CommandOption& o) { return o.name == arg.name; });
    if (option != std::end(kOptions)) {
      if (!TakeOption(*option, arg, out, err)) return false;
      continue;
    }
    if (arg.name == kTagOption || FindValueOption(arg.name) != nullptr) {
      if (!TakeValueOption(arg, out, err)) return false;
      continue;
    }
    const SettingRow* row = FindSettingRow(arg.name);
    if (row == nullptr) {
      *err = "unknown flag " + Printable(arg.flag) + (arg.name.empty() ? "" : DidYouMean(arg.name));
      return false;
    }
    const std::string flag = "--" + std::string(row->name);
    if (flags->count(row) != 0) {
      *err = flag + " given twice";
      return false;
    }
    (*flags)[row] = Given{std::string(arg.value), SettingSource::kFlag, "flag " + flag, flag};
    given_rows.push_back(row);
  }
  // After the loop: `doctor --mapping-service` uses the service's settings,
  // whichever comes first on the line.
  const Command scope = ScopeCommand(*out);
  for (const SettingRow* row : given_rows) {
    if (!SettingUsedBy(row->name, scope)) {
      out->warnings.push_back("--" + std::string(row->name) + " is not used by " + ScopeName(*out) +
                              " (ignored)");
    }
  }
  if (out->command == Command::kInstall && out->install_dir.empty()) {
    *err = "install needs a folder: irsa-agent install DIR";
    return false;
  }
  if (out->command == Command::kCredentials && out->profile.empty()) {
    *err = "credentials needs a profile: irsa-agent credentials PROFILE";
    return false;
  }
  if (out->command == Command::kExec && (out->profile.empty() || out->exec_argv.empty())) {
    *err = "exec needs a profile and a command: irsa-agent exec PROFILE -- COMMAND [ARGS...]";
    return false;
  }
  return true;
}

// IRSA_AGENT_* variables; an unknown one is an error (a typo would else be ignored).
bool CollectAgentEnv(const Environment& env, GivenMap* given, std::string* err) {
  for (const auto& [name, value] : env) {
    if (!std::string_view(name).starts_with(kAgentEnvPrefix) || name == kConfigEnv) continue;
    const auto& rows = SettingRows();
    // An init-capture: clang before 16 cannot capture a structured binding.
    const auto row = std::find_if(rows.begin(), rows.end(), [&wanted = name](const SettingRow& r) {
      return AgentEnvName(r) == wanted;
    });
    if (row == rows.end()) {
      *err = "unknown environment variable " + Printable(name);
      return false;
    }
    (*given)[&*row] = Given{value, SettingSource::kAgentEnv, "env " + name, name};
  }
  return true;
}

// The first reference variable of `row` that is set and not empty.
bool FindReferenceEnv(const SettingRow& row, const Environment& env, Given* given) {
  for (std::string_view name : ReferenceEnvNames(row)) {
    const auto it = env.find(std::string(name));
    if (it != env.end() && !it->second.empty()) {
      *given = Given{it->second, SettingSource::kReferenceEnv, "env " + it->first, it->first};
      return true;
    }
  }
  return false;
}

// `credentials` runs inside SDKs and `exec` in the user's shell, in the
// user's environment, where a variable
// meant for another program (LOG_LEVEL=trace) must not make every AWS call
// fail: it reads only the reference variables it uses.
bool UsesReferenceEnv(Command command, const SettingRow& row) {
  if (command != Command::kCredentials && command != Command::kExec) return true;
  constexpr std::string_view kUsed[] = {"aws-config-file",
                                        "web-identity-token-file",
                                        "region",
                                        "sts-endpoint",
                                        "ca-file",
                                        "root-path",
                                        "run-id",
                                        "pod-identity-uri",
                                        "pod-identity-token-file"};
  return std::find(std::begin(kUsed), std::end(kUsed), row.name) != std::end(kUsed);
}

bool Apply(const SettingRow& row, const Given& given, Settings* settings, std::string* err) {
  std::string why;
  if (!ParseSettingValue(row, given.value, settings, &why)) {
    *err = given.label + ": " + why;
    return false;
  }
  settings->source[std::string(row.name)] = given.source;
  settings->origin[std::string(row.name)] = given.origin;
  return true;
}

bool ApplyDefaults(Command command, Settings* settings, std::string* err) {
  for (const SettingRow& row : SettingRows()) {
    const bool run = command == Command::kRun && !row.run_default.empty();
    const Given given{std::string(run ? row.run_default : row.default_text),
                      SettingSource::kDefault, "default", "default of " + std::string(row.name)};
    if (!Apply(row, given, settings, err)) return false;
  }
  return true;
}

// Checks between settings, once every source is merged.
bool CrossCheck(const Invocation& inv, std::string* err) {
  const Command command = inv.command;
  const Settings& s = inv.settings;
  if (s.max_backoff < s.min_backoff) {
    *err = "max-backoff (" + DisplayValue(s, "max-backoff") + ") is below min-backoff (" +
           DisplayValue(s, "min-backoff") + ")";
    return false;
  }
  std::string host;
  int port = 0;
  // The mapping service is a network service: any address is allowed.
  const bool any = s.listen_any || ScopeCommand(inv) == Command::kMappingService;
  if (!s.listen.empty() && !ParseListenAddress(s.listen, any, &host, &port, err)) {
    return false;
  }
  // A config file cannot carry SourceIdentity or session tags: in chain style
  // the SDKs call STS themselves, so these would silently do nothing.
  const bool writes_profiles = command == Command::kOnce || command == Command::kRun;
  if (writes_profiles && s.profile_style == ProfileStyle::kChain &&
      (s.source_identity || s.session_tags)) {
    *err = std::string(s.source_identity ? "source-identity" : "session-tags") +
           " needs profile-style process (a config file cannot carry it; the SDKs call STS "
           "themselves in chain style)";
    return false;
  }
  if (command == Command::kReap && s.cluster.empty()) {
    *err = "reap needs --cluster (the EKS cluster's name)";
    return false;
  }
  // Each round lists the whole cluster's associations: a shorter interval
  // would only hammer the EKS API.
  if (command == Command::kReap && s.reap_interval < kMinReapInterval) {
    *err = "reap-interval (" + DisplayValue(s, "reap-interval") + ") is below 10 seconds";
    return false;
  }
  if (command == Command::kMappingService && s.listen.empty()) {
    *err = "mapping-service needs --listen (the reference uses port 6000)";
    return false;
  }
  // The service and `doctor --mapping-service` (which checks the service's
  // side, with no mapping call of its own) both need the provider.
  const bool service_scope = ScopeCommand(inv) == Command::kMappingService;
  const bool service_doctor = service_scope && command != Command::kMappingService;
  if (service_doctor && inv.sts) {
    *err = "doctor --mapping-service checks the service's side; --sts is for an agent's";
    return false;
  }
  if (service_scope && s.oidc_provider.empty()) {
    *err = ScopeName(inv) + " needs --oidc-provider (or OIDC_PROVIDER)";
    return false;
  }
  const bool needs_mapping =
      !service_doctor &&
      (command == Command::kOnce || command == Command::kRun || command == Command::kDoctor);
  if (needs_mapping && s.endpoint.empty() && s.mapping_file.empty()) {
    *err =
        "no mapping source: set --endpoint (or DOMINO_IRSA_ENDPOINT / IAM_SA_MAPPING_ENDPOINT) "
        "or --mapping-file";
    return false;
  }
  // ca-file says TLS was meant; over http:// the Bearer token would cross the
  // network in clear without a word.
  if (!s.ca_file.empty() && s.endpoint.starts_with("http://")) {
    *err = "endpoint (" + s.origin.at("endpoint") + ") is plain http:// but ca-file (" +
           s.origin.at("ca-file") +
           ") is set: the credential would be sent in clear; use https:// or drop ca-file";
    return false;
  }
  if (needs_mapping && !s.endpoint.empty() && !s.mapping_file.empty()) {
    *err = "endpoint (" + s.origin.at("endpoint") + ") and mapping-file (" +
           s.origin.at("mapping-file") + ") are both set; use one";
    return false;
  }
  return true;
}

// `help [COMMAND] [--man]` (other flags ignored), `version [--json]`,
// `completion bash`.
bool ParseInfoCommand(const std::vector<std::string>& args, Invocation* out, std::string* err) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& word = args[i];
    const bool help = out->command == Command::kHelp;
    if (word == "--help" || word == "-h") continue;
    if (help && word == "--man") {
      out->man = true;
    } else if (out->command == Command::kVersion && word == "--json") {
      out->json = true;
    } else if (help && word.starts_with('-')) {
      continue;  // help works whatever else the line holds
    } else if (help && out->help_topic.empty()) {
      if (FindCommand(word) == nullptr) {
        *err = "help: unknown command '" + Printable(word) + "'";
        return false;
      }
      out->help_topic = word;
    } else if (out->command == Command::kCompletion && word == "bash" &&
               out->completion_shell.empty()) {
      out->completion_shell = word;
    } else {
      *err = std::string(CommandNameOf(out->command)) + ": unexpected argument '" +
             Printable(word) + "'";
      return false;
    }
  }
  if (out->command == Command::kCompletion && out->completion_shell.empty()) {
    *err = "completion needs a shell: irsa-agent completion bash";
    return false;
  }
  return true;
}

}  // namespace

bool FindConfigFile(const std::vector<std::string>& args, const Environment& env, std::string* path,
                    std::string* err) {
  path->clear();
  bool found = false;
  for (size_t i = FirstOptionIndex(args); i < args.size();) {
    Arg arg;
    std::string arg_err;
    if (!NextArg(args, &i, &arg, &arg_err)) {
      if (arg.name != "config") break;  // another flag's problem: ParseInvocation reports it
      *err = arg_err;
      return false;
    }
    if (arg.name != "config") continue;
    if (found) {
      *err = "--config given twice";
      return false;
    }
    if (arg.value.empty() || HasControlChar(arg.value)) {
      *err =
          arg.value.empty() ? "--config needs a value" : "--config: contains a control character";
      return false;
    }
    *path = arg.value;
    found = true;
  }
  if (found) return true;
  const auto it = env.find(std::string(kConfigEnv));
  if (it == env.end() || it->second.empty()) return true;
  if (HasControlChar(it->second)) {
    *err = std::string(kConfigEnv) + ": contains a control character";
    return false;
  }
  *path = it->second;
  return true;
}

bool ParseInvocation(const std::vector<std::string>& args, const Environment& env,
                     std::string_view config_text, Invocation* out, std::string* err) {
  *out = Invocation{};
  if (FirstOptionIndex(args) == 1) {
    const CommandName* command = FindCommand(args[0]);
    if (command == nullptr) {
      const std::string guess = DidYouMeanCommand(args[0]);
      *err = "unknown command '" + Printable(args[0]) + "'" +
             (guess.empty() ? std::string(" (try --help)") : guess);
      return false;
    }
    out->command = command->command;
  }
  // help, version and completion never read settings: they must work to fix them.
  if (out->command == Command::kHelp || out->command == Command::kVersion ||
      out->command == Command::kCompletion) {
    return ParseInfoCommand(args, out, err);
  }
  GivenMap flags;
  GivenMap agent_env;
  std::vector<IniSetting> file;
  if (!ParseArgs(args, out, &flags, err)) return false;
  if (out->command == Command::kHelp || out->command == Command::kVersion) return true;
  if (!FindConfigFile(args, env, &out->config_file, err) ||
      !CollectAgentEnv(env, &agent_env, err) ||
      !ReadIniSettings(config_text, out->config_file, &file, err) ||
      !ApplyDefaults(out->command, &out->settings, err)) {
    return false;
  }
  // Lowest first, so each higher source overwrites.
  for (const IniSetting& entry : file) {
    const std::string at = out->config_file + ":" + std::to_string(entry.line);
    const Given given{entry.value, SettingSource::kFile, "file " + at,
                      at + ": " + std::string(entry.row->name)};
    if (!Apply(*entry.row, given, &out->settings, err)) return false;
  }
  for (const SettingRow& row : SettingRows()) {
    Given reference;
    const bool overridden = flags.count(&row) != 0 || agent_env.count(&row) != 0;
    if (!overridden && UsesReferenceEnv(out->command, row) &&
        FindReferenceEnv(row, env, &reference) && !Apply(row, reference, &out->settings, err)) {
      return false;
    }
  }
  for (const GivenMap* higher : {&agent_env, &flags}) {
    for (const auto& [row, given] : *higher) {
      if (!Apply(*row, given, &out->settings, err)) return false;
    }
  }
  if (!CrossCheck(*out, err)) return false;
  return !UsesStsEndpoint(*out) || CheckStsEndpoint(out->settings, err);
}

}  // namespace irsa
