// Session names, source identity and tags: cleaned rather than refused, since
// a name in CloudTrail must never stop a user from getting credentials.
#include "domain/session_name.h"

#include <algorithm>

namespace irsa {
namespace {

constexpr size_t kMaxTagValueBytes = 256;

bool IsSessionChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

bool IsTagValueChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '@' ||
         c == '-';
}

template <typename Keep>
std::string Filter(std::string_view in, size_t limit, Keep keep) {
  std::string out;
  for (char c : in) {
    if (out.size() == limit) break;
    if (keep(c)) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string AuditUser(const PodIdentity& pod, std::string_view preferred_username) {
  std::string user = Filter(pod.user, kMaxSessionNameBytes, IsSessionChar);
  if (user.empty()) user = Filter(preferred_username, kMaxSessionNameBytes, IsSessionChar);
  return user;
}

std::string RoleSessionName(std::string_view user, std::string_view run_id) {
  const std::string run = Filter(run_id, kMaxSessionNameBytes, IsSessionChar);
  std::string clean_user = Filter(user, kMaxSessionNameBytes, IsSessionChar);
  std::string name;
  if (!clean_user.empty() && run.size() + 2 <= kMaxSessionNameBytes) {
    clean_user.resize(std::min(clean_user.size(), kMaxSessionNameBytes - run.size() - 1));
    name = clean_user + "@" + run;
  } else {
    name = run;
  }
  if (run.empty()) name = clean_user;
  if (name.empty()) return "irsa-agent";
  if (name.size() < 2) name = "run-" + name;
  return name;
}

AuditTrail MakeAuditTrail(std::string_view user, std::string_view run_id, std::string_view project,
                          bool source_identity, bool session_tags) {
  AuditTrail trail;
  trail.session_name = RoleSessionName(user, run_id);
  const std::string clean_user = Filter(user, kMaxSessionNameBytes, IsSessionChar);
  if (source_identity && clean_user.size() >= 2) trail.source_identity = clean_user;
  if (session_tags) trail.tags = SessionTags(clean_user, run_id, project);
  return trail;
}

bool IsValidSessionName(std::string_view name) {
  return name.size() >= 2 && name.size() <= kMaxSessionNameBytes &&
         std::all_of(name.begin(), name.end(), IsSessionChar);
}

std::vector<std::pair<std::string, std::string>> SessionTags(std::string_view user,
                                                             std::string_view run_id,
                                                             std::string_view project) {
  std::vector<std::pair<std::string, std::string>> tags;
  const auto add = [&tags](std::string key, std::string_view raw) {
    std::string value = Filter(raw, kMaxTagValueBytes, IsTagValueChar);
    if (!value.empty()) tags.emplace_back(std::move(key), std::move(value));
  };
  add("domino-user", user);
  add("domino-run-id", run_id);
  add("domino-project", project);
  return tags;
}

}  // namespace irsa
