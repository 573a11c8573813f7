#include "run/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace irsa {
namespace {

// The `outcome` label values of a sync or STS call, in exposition order.
constexpr std::array<Failure, 6> kOutcomes = {Failure::kNone,      Failure::kTransient,
                                              Failure::kPermanent, Failure::kInput,
                                              Failure::kAnswer,    Failure::kPublish};

// The status file's names (FailureName), "success" for kNone.
std::string_view OutcomeLabel(Failure failure) {
  return failure == Failure::kNone ? "success" : FailureName(failure);
}

size_t OutcomeIndex(Failure failure) {
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    if (kOutcomes[i] == failure) return i;
  }
  return 0;
}

constexpr std::array<std::string_view, 3> kCredentialResults = {"hit", "miss", "error"};

bool IsActionName(std::string_view action) {
  if (action.empty() || action.size() > 64) return false;
  for (char c : action) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

class Exposition {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels` is already rendered: `a="x",b="y"` or empty.
  void Sample(std::string_view name, std::string_view labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += FormatSampleValue(value);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string Label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + EscapeLabelValue(value) + "\"";
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The fewest of 15, 16 or 17 significant digits that read back the same.
  // (std::to_chars would give the shortest form directly, but costs about
  // 200 KB of tables in the static binary.)
  char buf[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

void MetricsRegistry::SyncFinished(Failure failure, double wall_now, size_t profiles) {
  ++syncs_[OutcomeIndex(failure)];
  if (failure == Failure::kNone) {
    last_success_ = wall_now;
    profiles_ = profiles;
  }
}

void MetricsRegistry::MappingRequestTook(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return;
  for (size_t i = 0; i < kMappingDurationBuckets.size(); ++i) {
    if (seconds <= kMappingDurationBuckets[i]) {
      ++mapping_buckets_[i];
      break;
    }
  }
  ++mapping_count_;
  mapping_sum_ += seconds;
}

void MetricsRegistry::SetTokenExpiry(std::optional<int64_t> expiry) { token_expiry_ = expiry; }

void MetricsRegistry::CredentialRequested(CredentialResult result) {
  ++credential_requests_[static_cast<size_t>(result)];
}

void MetricsRegistry::StsRequested(std::string_view action, Failure outcome) {
  std::string name = IsActionName(action) ? std::string(action) : "other";
  if (name != "other" &&
      std::find(sts_actions_.begin(), sts_actions_.end(), name) == sts_actions_.end()) {
    if (sts_actions_.size() < kMaxStsActions) {
      sts_actions_.push_back(name);
    } else {
      name = "other";
    }
  }
  ++sts_requests_[{name, outcome}];
}

void MetricsRegistry::SetCredentialExpiry(std::string_view profile, int64_t expiry) {
  auto it = credential_expiry_.find(profile);
  if (it != credential_expiry_.end()) {
    it->second = expiry;
  } else if (credential_expiry_.size() < kMaxCredentialProfiles) {
    credential_expiry_.emplace(std::string(profile), expiry);
  }
}

void MetricsRegistry::RemoveCredentialExpiry(std::string_view profile) {
  auto it = credential_expiry_.find(profile);
  if (it != credential_expiry_.end()) credential_expiry_.erase(it);
}

std::string MetricsRegistry::Render() const {
  Exposition e;
  e.Family("irsa_agent_syncs_total", "counter", "Syncs of the AWS config file, by outcome.");
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    e.Sample("irsa_agent_syncs_total", Label("outcome", OutcomeLabel(kOutcomes[i])),
             double(syncs_[i]));
  }
  if (last_success_) {
    e.Family("irsa_agent_last_sync_success_timestamp_seconds", "gauge",
             "Unix time of the last successful sync.");
    e.Sample("irsa_agent_last_sync_success_timestamp_seconds", "", *last_success_);
  }
  if (profiles_) {
    e.Family("irsa_agent_profiles", "gauge", "Profiles in the published AWS config file.");
    e.Sample("irsa_agent_profiles", "", double(*profiles_));
  }
  if (token_expiry_) {
    e.Family("irsa_agent_web_identity_token_expiry_timestamp_seconds", "gauge",
             "Unix time the web identity token expires (its exp claim).");
    e.Sample("irsa_agent_web_identity_token_expiry_timestamp_seconds", "", double(*token_expiry_));
  }
  constexpr std::string_view kHistogram = "irsa_agent_mapping_request_duration_seconds";
  e.Family(kHistogram, "histogram", "Duration of the mapping service's HTTP exchanges.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kMappingDurationBuckets.size(); ++i) {
    cumulative += mapping_buckets_[i];
    e.Sample("irsa_agent_mapping_request_duration_seconds_bucket",
             Label("le", FormatSampleValue(kMappingDurationBuckets[i])), double(cumulative));
  }
  e.Sample("irsa_agent_mapping_request_duration_seconds_bucket", Label("le", "+Inf"),
           double(mapping_count_));
  e.Sample("irsa_agent_mapping_request_duration_seconds_sum", "", mapping_sum_);
  e.Sample("irsa_agent_mapping_request_duration_seconds_count", "", double(mapping_count_));

  e.Family("irsa_agent_credential_requests_total", "counter",
           "Requests to the credential broker, by result.");
  for (size_t i = 0; i < kCredentialResults.size(); ++i) {
    e.Sample("irsa_agent_credential_requests_total", Label("result", kCredentialResults[i]),
             double(credential_requests_[i]));
  }
  if (!sts_requests_.empty()) {
    e.Family("irsa_agent_sts_requests_total", "counter",
             "Calls to AWS STS, by action and outcome.");
    for (const auto& [key, count] : sts_requests_) {
      e.Sample("irsa_agent_sts_requests_total",
               Label("action", key.first) + "," + Label("outcome", OutcomeLabel(key.second)),
               double(count));
    }
  }
  if (refusals_retried_ > 0) {
    e.Family("irsa_agent_sts_refusals_retried_total", "counter",
             "First-hop AccessDenied answers retried while a new profile's trust propagates.");
    e.Sample("irsa_agent_sts_refusals_retried_total", "", double(refusals_retried_));
  }
  if (!credential_expiry_.empty()) {
    e.Family("irsa_agent_credential_expiry_timestamp_seconds", "gauge",
             "Unix time the cached credentials of a profile expire.");
    for (const auto& [profile, expiry] : credential_expiry_) {
      e.Sample("irsa_agent_credential_expiry_timestamp_seconds", Label("profile", profile),
               double(expiry));
    }
  }
  return e.Take();
}

}  // namespace irsa
