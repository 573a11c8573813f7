#include "run/once_guard.h"

#include <nlohmann/json.hpp>

#include "base/outcome.h"
#include "base/text.h"

namespace irsa {
namespace {

constexpr std::string_view kHeader = "# Written by irsa-agent";

Failure FailureNamed(std::string_view name) {
  for (const Failure f : {Failure::kTransient, Failure::kPermanent, Failure::kInput,
                          Failure::kAnswer, Failure::kPublish}) {
    if (FailureName(f) == name) return f;
  }
  return Failure::kTransient;
}

}  // namespace

std::optional<ProfileStyle> WrittenStyle(std::string_view config) {
  if (config.substr(0, kHeader.size()) != kHeader) return std::nullopt;
  size_t start = 0;
  while (start < config.size()) {
    size_t end = config.find('\n', start);
    if (end == std::string_view::npos) end = config.size();
    const std::string_view line = TrimWhitespace(config.substr(start, end - start));
    if (line.substr(0, 18) == "credential_process") return ProfileStyle::kProcess;
    start = end + 1;
  }
  return ProfileStyle::kChain;
}

std::string_view ProfileStyleName(ProfileStyle style) {
  return style == ProfileStyle::kProcess ? "process" : "chain";
}

RefreshOutcome RefreshOutcomeFor(long status, std::string_view body, std::string_view config) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const bool object = !j.is_discarded() && j.is_object();
  if (status == 200 && object && j.value("status", "") == "ok") {
    const size_t n = j.contains("profiles") && j["profiles"].is_array() ? j["profiles"].size() : 0;
    const bool changed = j.value("changed", false);
    return {kExitOk, "the running agent synced " + std::string(config) + ": " +
                         Count(n, "profile") + (changed ? " (changed)" : " (unchanged)")};
  }
  if (status == 503 && object && j.value("status", "") == "error" && j.contains("kind")) {
    const std::string kind = j["kind"].is_string() ? j["kind"].get<std::string>() : "";
    const std::string error = j.contains("error") && j["error"].is_string()
                                  ? j["error"].get<std::string>()
                                  : "sync failed";
    return {ExitCodeFor(FailureNamed(kind)), "the running agent's sync failed: " + error};
  }
  if (status == 503 && object && j.contains("error") && j["error"].is_string()) {
    return {kExitUnavailable, "the running agent: " + j["error"].get<std::string>()};
  }
  return {kExitUnavailable,
          "the running agent answered /refresh with HTTP " + std::to_string(status)};
}

}  // namespace irsa
