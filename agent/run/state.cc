#include "run/state.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

#include "base/digest.h"
#include "base/text.h"
#include "domain/answer.h"
#include "domain/render_pod_identity.h"

namespace irsa {
namespace {

using nlohmann::json;

template <typename T>
void PutOptional(json* j, const char* key, const std::optional<T>& value) {
  if (value) (*j)[key] = *value;
}

bool GetString(const json& j, const char* key, std::string* out) {
  if (!j.contains(key)) return true;
  if (!j[key].is_string()) return false;
  *out = j[key].get<std::string>();
  return true;
}

bool GetBool(const json& j, const char* key, bool* out) {
  if (!j.contains(key)) return true;
  if (!j[key].is_boolean()) return false;
  *out = j[key].get<bool>();
  return true;
}

// An integral T takes only a whole number it can hold: converting a float or
// an out-of-range number to it would be undefined or silently wrap.
template <typename T>
bool GetNumber(const json& j, const char* key, std::optional<T>* out) {
  if (!j.contains(key) || j[key].is_null()) return true;
  const json& value = j[key];
  if (!value.is_number()) return false;
  if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) return false;
    const bool fits = value.is_number_unsigned() ? std::in_range<T>(value.get<uint64_t>())
                                                 : std::in_range<T>(value.get<int64_t>());
    if (!fits) return false;
  }
  *out = value.get<T>();
  return true;
}

}  // namespace

std::string SerializeState(const AgentState& s) {
  json j = {{"version", s.version},
            {"pid", s.pid},
            {"started_at", s.started_at},
            {"last_error", s.last_error},
            {"last_error_kind", s.last_error_kind},
            {"consecutive_failures", s.consecutive_failures},
            {"config_file", s.config_file},
            {"config_hash", s.config_hash},
            {"profile_count", s.profiles.size()},
            {"profiles", s.profiles},
            {"socket", s.socket},
            {"credentials_listen", s.credentials_listen},
            {"credentials_token_file", s.credentials_token_file},
            {"imds", s.imds},
            {"profile_style", s.profile_style}};
  PutOptional(&j, "last_attempt_at", s.last_attempt_at);
  PutOptional(&j, "last_success_at", s.last_success_at);
  PutOptional(&j, "last_error_at", s.last_error_at);
  PutOptional(&j, "token_expires_at", s.token_expires_at);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

bool ParseState(std::string_view text, AgentState* out, std::string* err) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *err = "state file: not a JSON object";
    return false;
  }
  AgentState s;
  std::optional<int64_t> pid;
  std::optional<double> started;
  std::optional<int> failures;
  const bool ok =
      GetString(j, "version", &s.version) && GetNumber(j, "pid", &pid) &&
      GetNumber(j, "started_at", &started) && GetNumber(j, "last_attempt_at", &s.last_attempt_at) &&
      GetNumber(j, "last_success_at", &s.last_success_at) &&
      GetString(j, "last_error", &s.last_error) &&
      GetString(j, "last_error_kind", &s.last_error_kind) &&
      GetNumber(j, "last_error_at", &s.last_error_at) &&
      GetNumber(j, "consecutive_failures", &failures) &&
      GetString(j, "config_file", &s.config_file) && GetString(j, "config_hash", &s.config_hash) &&
      GetNumber(j, "token_expires_at", &s.token_expires_at) && GetString(j, "socket", &s.socket) &&
      GetString(j, "credentials_listen", &s.credentials_listen) &&
      GetString(j, "credentials_token_file", &s.credentials_token_file) &&
      GetBool(j, "imds", &s.imds) && GetString(j, "profile_style", &s.profile_style);
  if (!ok || !j.contains("profiles") || !j["profiles"].is_array()) {
    *err = "state file: a field has the wrong type";
    return false;
  }
  for (const json& name : j["profiles"]) {
    if (!name.is_string()) {
      *err = "state file: a profile name is not a string";
      return false;
    }
    s.profiles.push_back(name.get<std::string>());
  }
  s.pid = pid.value_or(0);
  s.started_at = started.value_or(0);
  s.consecutive_failures = failures.value_or(0);
  *out = std::move(s);
  return true;
}

Readiness AssessReadiness(const AgentState& state, const std::optional<std::string>& config) {
  if (!state.last_success_at) {
    const std::string why = state.last_error.empty()
                                ? "no successful sync yet"
                                : "no successful sync yet: " + state.last_error;
    return {false, why};
  }
  if (!config) return {false, "config file " + state.config_file + " is missing"};
  MappingAnswer published;
  std::string err;
  const bool pod_identity = IsPodIdentityConfig(*config);
  if (!(pod_identity ? ParsePodIdentityConfig(*config, &published, &err)
                     : ParsePublishedConfig(*config, &published, &err))) {
    return {false, "config file " + state.config_file + " does not parse: " + err};
  }
  if (!published.dropped.empty()) {
    return {false, "config file " + state.config_file +
                       " has an invalid profile: " + published.dropped.front()};
  }
  std::string reason = Count(published.pairs.size(), "profile") + " in " + state.config_file;
  const std::string hash = Sha256Hex(*config);
  if (hash.empty()) {
    reason += " (not compared with what the agent wrote: " + std::string(kDigestFailure) + ")";
  } else if (hash != state.config_hash) {
    // Someone else rewrote it (a manual `once` with other settings, an
    // editor): what SDKs read now is not what the agent stands behind.
    return {false, "config file " + state.config_file +
                       " was rewritten by someone else since the agent wrote it; the agent "
                       "restores it at its next sync (irsa-agent once asks for one now)"};
  }
  if (!state.last_error.empty()) reason += "; last sync failed: " + state.last_error;
  return {true, reason};
}

}  // namespace irsa
