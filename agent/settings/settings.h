// Settings and the command line. Pure: the environment and the INI file's text
// come in as values; main.cc reads them.
//
// Every setting NAME can come from, highest first: the flag --NAME, the
// environment variable IRSA_AGENT_NAME, the reference deployment's variable
// (docs/FORMATS.md, where one exists), key NAME in section [agent] of the
// INI file named by --config / IRSA_AGENT_CONFIG, and the built-in default.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/log.h"

namespace irsa {

enum class Command {
  kOnce,
  kRun,
  kStatus,
  kDoctor,
  kProfiles,
  kInstall,
  kCredentials,
  kHelp,
  kVersion,
  kReap,
  kCompletion,
  kExec,
  kMappingService
};

// How profiles are written: `chain` (X -> src_X, each SDK runs the chain) or
// `process` (every profile is a credential_process of this binary).
enum class ProfileStyle { kChain, kProcess };

enum class SettingSource { kDefault, kFile, kReferenceEnv, kAgentEnv, kFlag };

struct Settings {
  std::string aws_config_file = "/var/run/.aws/config";
  std::string web_identity_token_file = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
  std::string domino_token_file = "/var/lib/domino/home/.api/token";
  std::string endpoint;
  std::string api_proxy;
  std::string ca_file;
  std::string pod_info_path = "/var/run/podinfo/labels";
  std::string root_path;
  std::string run_id;
  std::string api_key;  // secret: never printed
  std::string mapping_file;
  std::string region;
  int file_mode = 0644;
  double timeout = 60;
  double request_timeout = 10;
  double min_backoff = 1;
  double max_backoff = 30;  // 300 for `run`
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
  double poll_interval = 60;
  double refresh_interval = 900;
  std::string state_dir;  // empty: the folder of aws-config-file
  std::string listen;     // empty: no listener
  bool listen_any = false;
  std::string install_to;  // run: copy the binary into this folder at start; empty: don't
  std::string sts_endpoint;
  // Where the base credentials come from (domain/base_credentials.h): "auto",
  // "web-identity" or "pod-identity", and the Pod Identity agent's inputs.
  std::string base_credentials = "auto";
  std::string pod_identity_uri;         // AWS_CONTAINER_CREDENTIALS_FULL_URI
  std::string pod_identity_token_file;  // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  ProfileStyle profile_style = ProfileStyle::kChain;
  std::string socket;            // empty: irsa-agent.sock beside the state file
  bool source_identity = false;  // process style: AssumeRole carries SourceIdentity
  bool session_tags = false;     // process style: AssumeRole carries session tags
  // run: the credentials listener (container credentials, and IMDS when
  // `imds`); empty: off. Loopback only, whatever listen-any says.
  std::string credentials_listen;
  std::string credentials_token_file;  // empty: credentials-token beside the config
  bool imds = false;
  // run: a first-hop AccessDenied within this many seconds of a profile's
  // first sight is retried (aws/refusal_retry.h).
  double refusal_retry_window = 30;

  // Not a setting: the binary process-style profiles run, as the user's
  // container sees it (install-to's copy, else this binary). Set by the
  // commands that write profiles; empty: "irsa-agent" from PATH.
  std::string credentials_binary;
  // reap (the stale Pod Identity reaper)
  std::string cluster;
  std::string eks_endpoint;  // empty: https://eks.<region>.amazonaws.com
  std::string namespaces = "domino-compute";
  std::string kube_api;  // empty: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
  std::string kube_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string kube_ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  int max_evictions = 10;
  bool dry_run = false;
  double reap_interval = 60;
  // mapping-service
  std::string domino_api = "http://nucleus-frontend.domino-platform:80";
  std::string oidc_provider;
  std::string compute_namespace = "domino-compute";
  std::string platform_namespace = "domino-platform";
  std::string org_mapping_configmap = "domino-org-iamrole-mapping";
  std::string role_mapping_configmap = "resource-role-to-eks-role-mapping";
  std::string iam_endpoint;  // empty: https://iam.amazonaws.com
  int trust_policy_max_length = 2048;
  double trust_gc_interval = 300;
  int max_requests = 256;
  std::string tls_cert_file;
  std::string tls_key_file;

  // Where each setting's value came from, by setting name, and a short
  // description of the place ("flag", "env IRSA_AGENT_TIMEOUT", "file /x:3").
  std::map<std::string, SettingSource> source;
  std::map<std::string, std::string> origin;

  // A path the agent reads (labels, tokens, CA, mapping file), with root-path in front.
  std::string ReadPath(const std::string& path) const;
};

// A parsed command line with its settings.
struct Invocation {
  Command command = Command::kOnce;
  Settings settings;
  std::string config_file;       // the INI file read, if any
  bool print = false;            // once --print
  bool json = false;             // status/doctor/profiles --json
  bool sts = false;              // doctor --sts
  bool mapping_service = false;  // doctor --mapping-service
  bool once = false;             // reap --once
  std::string install_dir;       // install DIR
  // credentials PROFILE [--role-arn ARN] [--source-role-arn ARN] [--session-name N]
  // [--set-source-identity U] [--tag KEY=VALUE]...: the standalone recipe.
  std::string profile;
  std::string role_arn;
  std::string source_role_arn;
  std::string session_name;
  std::string set_source_identity;
  std::vector<std::pair<std::string, std::string>> tags;
  // exec PROFILE -- COMMAND [ARGS...]: `profile` above, and COMMAND with its arguments.
  std::vector<std::string> exec_argv;
  // help: the command to explain ("run" for `help run` and `run --help`;
  // empty: all), or the man page; completion: the shell.
  std::string help_topic;
  bool man = false;
  std::string completion_shell;
  // One line each: flags given on the command line that the command does not
  // use (settings from the environment or the INI file are never warned about).
  std::vector<std::string> warnings;
};

using Environment = std::map<std::string, std::string>;

// The value of `name` in `env`; empty when it is not set.
std::string EnvValue(const Environment& env, const std::string& name);

// What --help and the README's table show about one setting.
struct SettingInfo {
  std::string_view name;
  std::string_view reference_env;  // comma-separated, highest first; may be empty
  std::string_view type;           // "path", "url", "seconds", "mode", "string", ...
  std::string_view default_text;
  std::string_view help;
  bool secret = false;
  std::string_view run_default;  // the default under `run` when it differs; else empty
};
const std::vector<SettingInfo>& AllSettings();

// The value of setting `name` for display: secrets as "present (N bytes)" or
// "absent", URLs through DisplayUrl (no userinfo, no query). Empty string for
// an unknown name.
std::string DisplayValue(const Settings& settings, std::string_view name);

// The --help text.
std::string HelpText();

}  // namespace irsa
