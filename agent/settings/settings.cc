// The settings table and what is derived from it: the list for --help and the
// README, display values, environment names. The grammar of values is in
// settings_value.cc, the INI file in settings_ini.cc, the merging of all
// sources in invocation.cc.

#include "settings/settings.h"

#include <algorithm>
#include <cctype>

#include "base/url.h"
#include "settings/setting_scope.h"
#include "settings/settings_table.h"

namespace irsa {
namespace {

using K = SettingKind;

// The one table. Order is the order of --help and AllSettings().
constexpr SettingRow kRows[] = {
    {"aws-config-file", "AWS_CONFIG_FILE", K::kPath, false, "/var/run/.aws/config", "",
     &Settings::aws_config_file, "the AWS config file to write"},
    {"web-identity-token-file", "AWS_WEB_IDENTITY_TOKEN_FILE", K::kPath, false,
     "/var/run/secrets/eks.amazonaws.com/serviceaccount/token", "",
     &Settings::web_identity_token_file, "the projected service-account token"},
    {"domino-token-file", "DOMINO_TOKEN_FILE", K::kPath, false, "/var/lib/domino/home/.api/token",
     "", &Settings::domino_token_file, "the user's Domino token for the mapping call"},
    {"endpoint", "DOMINO_IRSA_ENDPOINT,IAM_SA_MAPPING_ENDPOINT", K::kUrl, true, "", "",
     &Settings::endpoint, "URL of the role mapping service"},
    {"api-proxy", "DOMINO_API_PROXY", K::kUrl, true, "", "", &Settings::api_proxy,
     "fetch the Domino token from GET <URL>/access-token"},
    {"ca-file", "DOMINO_IRSA_SSL_CERT", K::kPath, true, "", "", &Settings::ca_file,
     "extra CA certificates for the endpoint and STS"},
    {"pod-info-path", "POD_INFO_PATH", K::kPath, false, "/var/run/podinfo/labels", "",
     &Settings::pod_info_path, "the downward-API labels file (has the run id)"},
    {"root-path", "ROOT_PATH", K::kPath, true, "", "", &Settings::root_path,
     "prefix for every path read (local testing)"},
    {"run-id", "DOMINO_RUN_ID", K::kRunId, true, "", "", &Settings::run_id,
     "the run id, instead of the labels file's"},
    {"api-key", "DOMINO_USER_API_KEY", K::kSecret, true, "", "", &Settings::api_key,
     "Domino API key, sent instead of the token"},
    {"mapping-file", "", K::kPath, true, "", "", &Settings::mapping_file,
     "a saved mapping answer, instead of the endpoint"},
    {"region", "AWS_REGION", K::kRegion, true, "", "", &Settings::region,
     "AWS region for the profiles and STS"},
    {"file-mode", "", K::kMode, false, "0644", "", &Settings::file_mode,
     "permissions of the written config file"},
    {"timeout", "", K::kSeconds, false, "60", "", &Settings::timeout,
     "how long `once` keeps retrying", 1},
    {"request-timeout", "", K::kSeconds, false, "10", "", &Settings::request_timeout,
     "limit for one HTTP request", 1},
    {"min-backoff", "", K::kSeconds, false, "1", "", &Settings::min_backoff,
     "first wait before a retry", 0.1},
    {"max-backoff", "", K::kSeconds, false, "30", "300", &Settings::max_backoff,
     "longest wait between retries", 0.1},
    {"log-level", "LOG_LEVEL", K::kLogLevel, false, "info", "", &Settings::log_level,
     "debug, info, warning or error"},
    {"log-format", "", K::kLogFormat, false, "text", "", &Settings::log_format, "text or json"},
    {"poll-interval", "", K::kSeconds, false, "60", "", &Settings::poll_interval,
     "run: how often to re-read the token and labels", 1},
    {"refresh-interval", "", K::kSeconds, false, "900", "", &Settings::refresh_interval,
     "run: how often to ask the mapping service again", 10},
    {"state-dir", "", K::kPath, true, "", "", &Settings::state_dir,
     "run: state folder (empty: the config's folder)"},
    {"listen", "", K::kListen, true, "", "", &Settings::listen,
     "run: /healthz and /refresh address (empty: off)"},
    {"listen-any", "", K::kBool, false, "false", "", &Settings::listen_any,
     "allow a --listen address that is not loopback"},
    {"install-to", "", K::kPath, true, "", "", &Settings::install_to,
     "run: copy this binary into PATH for manual re-runs"},
    {"sts-endpoint", "AWS_ENDPOINT_URL_STS", K::kUrl, true, "", "", &Settings::sts_endpoint,
     "STS URL (empty: the regional endpoint)"},
    {"profile-style", "", K::kProfileStyle, false, "chain", "", &Settings::profile_style,
     "chain (X -> src_X) or process"},
    {"socket", "", K::kPath, true, "", "", &Settings::socket,
     "the broker's socket (default: by the state file)"},
    {"source-identity", "", K::kBool, false, "false", "", &Settings::source_identity,
     "process: the user as AssumeRole SourceIdentity"},
    {"session-tags", "", K::kBool, false, "false", "", &Settings::session_tags,
     "process: user, run id, project as session tags"},
    {"credentials-listen", "", K::kListen, true, "", "", &Settings::credentials_listen,
     "run: container credentials, loopback"},
    {"credentials-token-file", "", K::kPath, true, "", "", &Settings::credentials_token_file,
     "its token (default: by the config)"},
    {"imds", "", K::kBool, false, "false", "", &Settings::imds,
     "run: IMDSv2 on credentials-listen"},
    {"refusal-retry-window", "", K::kSeconds, false, "30", "", &Settings::refusal_retry_window,
     "run: retry a new profile's AccessDenied"},
    {"base-credentials", "", K::kBase, false, "auto", "", &Settings::base_credentials,
     "chain from: auto, web-identity, pod-identity"},
    {"pod-identity-uri", "AWS_CONTAINER_CREDENTIALS_FULL_URI", K::kPlatformUrl, true, "", "",
     &Settings::pod_identity_uri, "the EKS Pod Identity agent's credentials URL"},
    {"pod-identity-token-file", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", K::kPath, true, "", "",
     &Settings::pod_identity_token_file, "the EKS Pod Identity token"},
    {"cluster", "", K::kName, true, "", "", &Settings::cluster,
     "reap: the EKS cluster's name (required for reap)"},
    {"eks-endpoint", "AWS_ENDPOINT_URL_EKS", K::kUrl, true, "", "", &Settings::eks_endpoint,
     "reap: EKS API URL (empty: regional)"},
    {"namespaces", "", K::kNames, false, "domino-compute", "", &Settings::namespaces,
     "reap: comma-separated namespaces to watch"},
    {"kube-api", "", K::kUrl, true, "", "", &Settings::kube_api,
     "reap: Kubernetes API URL (empty: in-cluster)"},
    {"kube-token-file", "", K::kPath, false, "/var/run/secrets/kubernetes.io/serviceaccount/token",
     "", &Settings::kube_token_file, "reap: bearer token for the Kubernetes API"},
    {"kube-ca-file", "", K::kPath, true, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "",
     &Settings::kube_ca_file, "reap: CA of the Kubernetes API"},
    {"max-evictions", "", K::kCount, false, "10", "", &Settings::max_evictions,
     "reap: evictions per round at most"},
    {"dry-run", "", K::kBool, false, "false", "", &Settings::dry_run,
     "reap: name the pods it would evict, evict none"},
    {"reap-interval", "", K::kSeconds, false, "60", "", &Settings::reap_interval,
     "reap: time between rounds"},
    {"domino-api", "DOMINO_USER_HOST", K::kUrl, false, "http://nucleus-frontend.domino-platform:80",
     "", &Settings::domino_api, "mapping-service: the Domino API"},
    {"oidc-provider", "OIDC_PROVIDER", K::kNames, true, "", "", &Settings::oidc_provider,
     "mapping-service: the OIDC issuer, no https://"},
    {"compute-namespace", "DEFAULT_COMPUTE_NS", K::kName, false, "domino-compute", "",
     &Settings::compute_namespace, "mapping-service: where the runs' pods are"},
    {"platform-namespace", "PLATFORM_NS", K::kName, false, "domino-platform", "",
     &Settings::platform_namespace, "mapping-service: ConfigMaps' and Leases' namespace"},
    {"org-mapping-configmap", "", K::kName, false, "domino-org-iamrole-mapping", "",
     &Settings::org_mapping_configmap, "mapping-service: org -> asset role ARN"},
    {"role-mapping-configmap", "", K::kName, false, "resource-role-to-eks-role-mapping", "",
     &Settings::role_mapping_configmap, "mapping-service: asset role -> proxy role ARN"},
    {"iam-endpoint", "AWS_ENDPOINT_URL_IAM", K::kUrl, true, "", "", &Settings::iam_endpoint,
     "mapping-service: IAM URL (default global)"},
    {"trust-policy-max-length", "", K::kCount, false, "2048", "",
     &Settings::trust_policy_max_length, "mapping-service: trust-policy quota"},
    {"trust-gc-interval", "", K::kSeconds, false, "300", "", &Settings::trust_gc_interval,
     "mapping-service: trust-policy GC period", 5},
    {"max-requests", "", K::kCount, false, "256", "", &Settings::max_requests,
     "mapping-service: mapping requests served at once"},
    {"tls-cert-file", "", K::kPath, true, "", "", &Settings::tls_cert_file,
     "mapping-service: serve HTTPS with this PEM chain"},
    {"tls-key-file", "", K::kPath, true, "", "", &Settings::tls_key_file,
     "mapping-service: the key of tls-cert-file"},
};

std::string_view KindName(SettingKind kind) {
  switch (kind) {
    case K::kPath:
      return "path";
    case K::kUrl:
    case K::kPlatformUrl:
      return "url";
    case K::kRunId:
      return "id";
    case K::kSecret:
      return "secret";
    case K::kRegion:
      return "region";
    case K::kListen:
      return "host:port";
    case K::kMode:
      return "mode";
    case K::kSeconds:
      return "seconds";
    case K::kLogLevel:
      return "level";
    case K::kLogFormat:
      return "format";
    case K::kBool:
      return "bool";
    case K::kBase:
      return "base";
    case K::kProfileStyle:
      return "style";
    case K::kName:
      return "name";
    case K::kNames:
      return "names";
    case K::kCount:
      return "count";
  }
  return "?";
}

}  // namespace

std::span<const SettingRow> SettingRows() { return kRows; }

const SettingRow* FindSettingRow(std::string_view name) {
  for (const SettingRow& row : kRows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::vector<std::string_view> ReferenceEnvNames(const SettingRow& row) {
  std::vector<std::string_view> names;
  std::string_view rest = row.reference_env;
  while (!rest.empty()) {
    const size_t comma = std::min(rest.find(','), rest.size());
    names.push_back(rest.substr(0, comma));
    rest.remove_prefix(std::min(comma + 1, rest.size()));
  }
  return names;
}

std::string AgentEnvName(const SettingRow& row) {
  std::string env = "IRSA_AGENT_";
  for (char c : row.name)
    env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

const std::vector<SettingInfo>& AllSettings() {
  static const std::vector<SettingInfo>* const infos = [] {
    auto* list = new std::vector<SettingInfo>;
    for (const SettingRow& row : kRows) {
      list->push_back({row.name, row.reference_env, KindName(row.kind), row.default_text, row.help,
                       row.kind == K::kSecret, row.run_default});
    }
    return list;
  }();
  return *infos;
}

std::string DisplayValue(const Settings& settings, std::string_view name) {
  const SettingRow* row = FindSettingRow(name);
  if (row == nullptr) return "";
  const std::string value = FormatSettingValue(*row, settings);
  if (row->kind == K::kUrl || row->kind == K::kPlatformUrl) return DisplayUrl(value);
  if (row->kind != K::kSecret) return value;
  return value.empty() ? "absent" : "present (" + std::to_string(value.size()) + " bytes)";
}

std::string HelpText() {
  std::string out = R"(Usage: irsa-agent [COMMAND] [OPTIONS]

Writes the AWS config file with the IAM role profiles mapped to this Domino run.

Commands (irsa-agent help COMMAND, or COMMAND --help, explains one):
)";
  for (const CommandInfo& info : AllCommands()) {
    std::string name = "  " + std::string(info.name);
    name.resize(std::max<size_t>(name.size() + 1, 15), ' ');
    out += name + std::string(info.summary) + "\n";
  }
  out += R"(
Command options:
  --print       once: print the config to stdout instead of writing the file
  --json        status, doctor, profiles, version: machine-readable output
  --sts         doctor: also try AssumeRoleWithWebIdentity with the token
  --role-arn, --source-role-arn, --session-name, --set-source-identity,
  --tag K=V     credentials: the chain to run when no agent answers
  --once        reap: one round, then exit
  --man         help: the manual page (roff)
  --config FILE read settings from section [agent] of an INI file
                (also IRSA_AGENT_CONFIG)

Settings: --NAME VALUE or --NAME=VALUE; a BOOL flag alone means true (and
takes the next word only when it is true or false). Highest first: the flag,
the variable IRSA_AGENT_<NAME>, the reference variable shown after it, key
NAME in the INI file, the default. A flag the command does not use is
ignored with a warning.

)";
  constexpr size_t kHelpColumn = 30;
  constexpr size_t kMaxWidth = 80;
  for (const SettingRow& row : kRows) {
    std::string flag = "  --" + std::string(row.name) + " ";
    for (char c : KindName(row.kind))
      flag.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    flag.resize(std::max(flag.size() + 2, kHelpColumn), ' ');
    out += flag + std::string(row.help) + "\n";

    std::string where = "      " + AgentEnvName(row);
    for (std::string_view name : ReferenceEnvNames(row)) where += ", " + std::string(name);
    std::string fallback;
    if (!row.default_text.empty()) fallback = "default " + std::string(row.default_text);
    if (!row.run_default.empty()) fallback += " (run: " + std::string(row.run_default) + ")";
    if (fallback.empty()) {
      out += where + "\n";
    } else if (where.size() + 2 + fallback.size() <= kMaxWidth) {
      out += where + "; " + fallback + "\n";
    } else {
      out += where + "\n      " + fallback + "\n";
    }
  }
  return out;
}

std::string Settings::ReadPath(const std::string& path) const {
  if (root_path.empty() || path.empty()) return path;
  std::string_view root = root_path;
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  std::string_view rest = path;
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  return std::string(root) + "/" + std::string(rest);
}

std::string EnvValue(const Environment& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

}  // namespace irsa
