// The doctor's report model and the checks of who is asking: settings, run
// id, Domino credential. The token, mapping, config and environment checks
// live in doctor_token.cc, doctor_mapping.cc and doctor_env.cc.
#include "doctor/doctor.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/outcome.h"
#include "base/text.h"
#include "domain/jwt.h"

namespace irsa {
namespace {

constexpr size_t kNameColumn = 20;
constexpr std::string_view kIndent = "      ";

std::string_view SourceWord(SettingSource source) {
  switch (source) {
    case SettingSource::kFlag:
      return "flags";
    case SettingSource::kAgentEnv:
    case SettingSource::kReferenceEnv:
      return "the environment";
    case SettingSource::kFile:
      return "the INI file";
    case SettingSource::kDefault:
      return "defaults";
  }
  return "?";
}

// Values come from files and services: a control character must not be able
// to forge a line of the report. '\n' survives only where `multiline`.
std::string Clean(std::string_view s, bool multiline = false) {
  if (!multiline) return EscapeControl(s);
  std::string out;
  for (size_t start = 0; start <= s.size();) {
    const size_t end = std::min(s.find('\n', start), s.size());
    out += EscapeControl(s.substr(start, end - start));
    if (end < s.size()) out.push_back('\n');
    start = end + 1;
  }
  return out;
}

}  // namespace

Check MakeCheck(std::string name, CheckStatus status, std::string fact, std::string fix) {
  Check check;
  check.name = std::move(name);
  check.status = status;
  check.fact = std::move(fact);
  check.fix = std::move(fix);
  return check;
}

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
  }
  return "?";
}

std::string FormatDuration(int64_t seconds) {
  seconds = std::max<int64_t>(seconds, 0);
  const int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
                s = seconds % 60;
  if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0) return std::to_string(m) + "m " + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string RenderDoctorText(const std::vector<Check>& checks) {
  std::string out;
  int counts[3] = {0, 0, 0};
  for (const Check& check : checks) {
    ++counts[static_cast<int>(check.status)];
    std::string name = Clean(check.name);
    name.resize(std::max(kNameColumn, name.size() + 1), ' ');
    out += std::string(CheckStatusName(check.status)) + "  " + name + Clean(check.fact) + "\n";
    for (const CheckFact& fact : check.facts) {
      // Continuation lines of a multi-line value line up under its first line.
      std::string value = Clean(fact.value, /*multiline=*/true);
      for (size_t at = value.find('\n'); at != std::string::npos; at = value.find('\n', at + 1)) {
        value.insert(at + 1, std::string(kIndent) + "  ");
      }
      out += std::string(kIndent) + Clean(fact.key) + ": " + value + "\n";
    }
    if (!check.fix.empty()) out += std::string(kIndent) + "fix: " + Clean(check.fix) + "\n";
  }
  out += "summary: " + std::to_string(counts[0]) + " pass, " + std::to_string(counts[1]) +
         " warn, " + std::to_string(counts[2]) + " fail\n";
  return out;
}

std::string RenderDoctorJson(const std::vector<Check>& checks) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  int counts[3] = {0, 0, 0};
  for (const Check& check : checks) {
    ++counts[static_cast<int>(check.status)];
    nlohmann::ordered_json facts = nlohmann::ordered_json::object();
    for (const CheckFact& fact : check.facts) facts[fact.key] = fact.value;
    list.push_back({{"name", check.name},
                    {"status", CheckStatusName(check.status)},
                    {"fact", check.fact},
                    {"facts", facts},
                    {"fix", check.fix}});
  }
  nlohmann::ordered_json out;
  out["ok"] = counts[2] == 0;
  out["summary"] = {{"pass", counts[0]}, {"warn", counts[1]}, {"fail", counts[2]}};
  out["checks"] = std::move(list);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int DoctorExitCode(const std::vector<Check>& checks) {
  const bool failed = std::any_of(checks.begin(), checks.end(),
                                  [](const Check& c) { return c.status == CheckStatus::kFail; });
  return failed ? kExitUnavailable : kExitOk;
}

Check CheckSettings(const Settings& settings, const std::string& config_file) {
  std::map<std::string_view, int> by_source;
  Check check = MakeCheck("settings", CheckStatus::kPass, "");
  for (const SettingInfo& info : AllSettings()) {
    const std::string name(info.name);
    const auto source = settings.source.find(name);
    const auto origin = settings.origin.find(name);
    if (source != settings.source.end()) ++by_source[SourceWord(source->second)];
    std::string value = DisplayValue(settings, info.name);
    if (value.empty()) value = "(empty)";
    const std::string where = origin == settings.origin.end() ? "default" : origin->second;
    check.facts.push_back({name, value + "  [" + where + "]"});
  }
  std::string counts;
  for (const auto& [word, count] : by_source) {
    counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " from " + std::string(word);
  }
  check.fact = std::to_string(check.facts.size()) + " settings: " + counts;
  if (!config_file.empty()) check.fact += " (INI file " + config_file + ")";
  return check;
}

Host HostOf(const Environment& env) {
  const auto it = env.find("KUBERNETES_SERVICE_HOST");
  return it != env.end() && !it->second.empty() ? Host::kKubernetes : Host::kSystemd;
}

Check CheckRunId(const Settings& settings, const InputRead& labels, const StepStatus& chosen,
                 const Requester& requester, Host host) {
  const std::string name = "run-id";
  if (!settings.mapping_file.empty()) {
    return MakeCheck(name, CheckStatus::kPass, "not needed: the mapping comes from mapping-file");
  }
  if (!chosen.ok()) {
    return MakeCheck(
        name, CheckStatus::kFail, chosen.message(),
        host == Host::kSystemd
            ? "set run-id (DOMINO_RUN_ID) in the unit's environment, or pod-info-path to "
              "a labels file"
            : "mount the downward API's metadata.labels at pod-info-path (a volume, not "
              "a subPath), or set run-id (DOMINO_RUN_ID) for a manual re-run");
  }
  const PodIdentity& pod = requester.pod;
  if (!labels.status.ok()) {
    return MakeCheck(name, CheckStatus::kPass,
                     "run id " + pod.run_id + " from the " + requester.run_id_source +
                         " (no labels file " + labels.path + ")");
  }
  Check check = MakeCheck(name, CheckStatus::kPass,
                          "run id " + pod.run_id + " from the " + requester.run_id_source);
  check.facts = {
      {"labels_file", labels.path},
      {"run_id", pod.run_id},
      {"workload_type",
       pod.workload_type.empty() ? "(absent: first-generation mapping call)" : pod.workload_type}};
  if (!settings.run_id.empty() && settings.run_id != pod.run_id) {
    check.status = CheckStatus::kWarn;
    check.fact += "; the run-id setting " + settings.run_id + " is ignored";
    check.fix = "unset run-id: the labels file wins";
  }
  return check;
}

Check CheckDominoCredential(const Settings& settings, const InputRead& token,
                            const StepStatus& chosen, const Credential& credential, int64_t now) {
  const std::string name = "domino-credential";
  if (!settings.mapping_file.empty()) {
    return MakeCheck(name, CheckStatus::kPass, "not needed: the mapping comes from mapping-file");
  }
  const bool proxy = credential.origin == Credential::Origin::kApiProxy;
  if (!chosen.ok()) {
    return MakeCheck(name, CheckStatus::kFail, chosen.message(),
                     proxy
                         ? "the API proxy (api-proxy, DOMINO_API_PROXY) must answer GET "
                           "/access-token with the user's token: check its URL and that it runs"
                         : "set domino-token-file (DOMINO_TOKEN_FILE) to the user's Domino token, "
                           "or api-proxy (DOMINO_API_PROXY), or api-key (DOMINO_USER_API_KEY)");
  }
  const std::string bytes = std::to_string(credential.secret.size()) + " bytes";
  const std::string no_file = " (no token file " + token.path + ")";
  Check check = MakeCheck(name, CheckStatus::kPass, "");
  switch (credential.origin) {
    case Credential::Origin::kTokenFile:
      check.fact = credential.source + " (" + bytes + ")";
      break;
    case Credential::Origin::kApiProxy:
      check.fact = "token fetched from the " + credential.source + " (" + bytes + ")" + no_file;
      break;
    case Credential::Origin::kApiKey:
      return MakeCheck(name, CheckStatus::kPass,
                       "api-key setting, " + DisplayValue(settings, "api-key") + no_file);
  }
  // A Domino token is usually a JWT; when it says it has expired, the
  // service will answer 401 whatever else is right.
  JwtClaims claims;
  std::string err;
  if (DecodeJwtClaims(credential.secret, &claims, &err) && claims.exp) {
    check.facts.push_back({"exp", FormatTimestamp(static_cast<double>(*claims.exp))});
    if (*claims.exp <= now) {
      check.status = CheckStatus::kWarn;
      check.fact += ": expired " + FormatDuration(now - *claims.exp) + " ago";
      check.fix = proxy ? "the API proxy hands out an expired token: restart the workspace"
                        : "the platform rewrites this file; a stale one means the workspace lost "
                          "its session: restart it, or use api-proxy";
    }
  }
  return check;
}

}  // namespace irsa
