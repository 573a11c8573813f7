// The web identity token checks: where the file is and how the kubelet lays
// it out (CONTRACT.md section 5), and what its claims say about STS's view of
// it (section 6). Claim values are reported; token bytes never are.
#include <algorithm>

#include "base/log.h"
#include "base/text.h"
#include "doctor/doctor.h"
#include "domain/jwt.h"

namespace irsa {
namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "projected volume (kubelet AtomicWriter): ...", "plain file", or a symlink.
std::string DescribeLayout(const std::string& path, const PathLayout& layout) {
  const std::string name = BaseName(path);
  if (layout.is_symlink && layout.link_target == "..data/" + name && layout.data_is_symlink &&
      layout.data_target.starts_with("..")) {
    return "projected volume (kubelet AtomicWriter): " + name + " -> ..data/" + name +
           ", ..data -> " + layout.data_target;
  }
  if (layout.is_symlink) {
    return "a symlink to " + layout.link_target + " (not the kubelet's ..data layout)";
  }
  return "plain file";
}

std::string Time(int64_t t) { return FormatTimestamp(static_cast<double>(t)); }

// One thing wrong with the claims; the check reports the worst first.
struct Problem {
  CheckStatus status;
  std::string what;
  std::string fix;
};

std::vector<Problem> ClaimProblems(const JwtClaims& claims, int64_t now) {
  std::vector<Problem> problems;
  switch (AssessToken(claims, now)) {
    case TokenState::kExpired:
      problems.push_back(
          {CheckStatus::kFail, "expired " + FormatDuration(now - *claims.exp) + " ago",
           "the kubelet refreshes a projected token at 80% of its lifetime and stops for "
           "terminating pods or after node trouble: restart the pod (on a plain file, fix the "
           "process that writes it)"});
      break;
    case TokenState::kNotYetValid:
      problems.push_back({CheckStatus::kFail, "not valid before " + Time(*claims.nbf),
                          "the clocks disagree: check NTP on this node"});
      break;
    case TokenState::kNearExpiry:
      problems.push_back({CheckStatus::kWarn, "past 90% of its lifetime and not rotated",
                          "the kubelet should have rotated it at 80%: check that the volume is "
                          "a projected volume, not a subPath mount or a copy"});
      break;
    case TokenState::kNoExpiry:
      problems.push_back({CheckStatus::kWarn, "has no exp claim",
                          "use a projected service-account token (expirationSeconds: 86400)"});
      break;
    case TokenState::kValid:
      break;
  }
  if (std::find(claims.aud.begin(), claims.aud.end(), kStsAudience) == claims.aud.end()) {
    problems.push_back({CheckStatus::kFail,
                        "aud is [" + JoinComma(claims.aud) + "], not sts.amazonaws.com",
                        "set audience: sts.amazonaws.com in the pod's serviceAccountToken "
                        "projection"});
  }
  if (!claims.iss.starts_with("https://")) {
    problems.push_back({CheckStatus::kFail, "iss is not an https URL",
                        "IAM OIDC providers need an https issuer: use the cluster's "
                        "service-account issuer URL"});
  }
  if (claims.sub.empty()) {
    problems.push_back(
        {CheckStatus::kFail, "has no sub claim", "use a Kubernetes service-account token"});
  }
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return static_cast<int>(a.status) > static_cast<int>(b.status);
  });
  return problems;
}

}  // namespace

Check CheckTokenFile(const FileRead& token, const PathLayout& layout) {
  Check check{"token.file", CheckStatus::kPass, "", {{"path", token.path}}, ""};
  const std::string mount_fix =
      "mount the projected service-account token (audience sts.amazonaws.com) at this path, or "
      "set web-identity-token-file (AWS_WEB_IDENTITY_TOKEN_FILE)";
  if (token.status.kind() == ReadFailure::kMissing) {
    check.status = CheckStatus::kFail;
    check.fact = "no web identity token at " + token.path;
    check.fix = mount_fix;
    if (layout.is_symlink) check.facts.push_back({"dangling_symlink_to", layout.link_target});
    return check;
  }
  const std::string described = DescribeLayout(token.path, layout);
  check.facts.push_back({"layout", described});
  switch (token.status.kind()) {
    case ReadFailure::kNone: {
      const size_t bytes = TrimWhitespace(token.content).size();
      check.facts.push_back({"bytes", std::to_string(bytes)});
      if (bytes == 0) {
        check.status = CheckStatus::kFail;
        check.fact = token.path + " is empty";
        check.fix = mount_fix;
        return check;
      }
      check.fact = described.starts_with("plain")
                       ? "plain file " + token.path + " (its writer must refresh it)"
                       : described.substr(0, described.find(':'));
      if (!layout.is_symlink && layout.is_regular) {
        check.facts.push_back({"note", "a subPath mount of a projected token never sees updates"});
      }
      return check;
    }
    case ReadFailure::kTooLarge:
    case ReadFailure::kError:
    case ReadFailure::kMissing:
      check.fact = "web identity token file " + token.status.message();
      break;
  }
  check.status = CheckStatus::kFail;
  check.fix = "make the token readable by this user (the reference pod uses fsGroup 12574)";
  return check;
}

Check CheckTokenClaims(const FileRead& token, int64_t now) {
  Check check{"token.claims", CheckStatus::kFail, "", {}, ""};
  if (!token.status.ok() || TrimWhitespace(token.content).empty()) {
    check.fact = "no token to decode (see token.file)";
    check.fix = "fix token.file first";
    return check;
  }
  JwtClaims claims;
  std::string err;
  if (!DecodeJwtClaims(token.content, &claims, &err)) {
    check.fact = "malformed: " + err;
    check.fix = "the file must hold the projected service-account JWT, nothing else";
    return check;
  }
  check.facts = {{"iss", claims.iss}, {"sub", claims.sub}, {"aud", JoinComma(claims.aud)}};
  if (claims.iat) check.facts.push_back({"iat", Time(*claims.iat)});
  if (claims.exp) {
    check.facts.push_back({"exp", Time(*claims.exp)});
    check.facts.push_back(
        {"time_left", *claims.exp > now ? FormatDuration(*claims.exp - now)
                                        : "expired " + FormatDuration(now - *claims.exp) + " ago"});
  }
  const std::vector<Problem> problems = ClaimProblems(claims, now);
  if (problems.empty()) {
    check.status = CheckStatus::kPass;
    check.fact = "valid for " + FormatDuration(*claims.exp - now) +
                 ", aud sts.amazonaws.com, sub " + claims.sub;
    return check;
  }
  check.status = problems.front().status;
  for (const Problem& p : problems) {
    check.fact += (check.fact.empty() ? "the token " : "; ") + p.what;
    check.fix += (check.fix.empty() ? "" : "; ") + p.fix;
  }
  return check;
}

}  // namespace irsa
