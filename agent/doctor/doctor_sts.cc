// The sts.* checks: what StsChain reported for each profile's STS calls
// (aws/credential_source.h, StsHop), judged. The doctor makes no STS call of
// its own, so what it reports is what `credentials` and the broker get.
#include "aws/sts.h"
#include "base/text.h"
#include "base/url.h"
#include "doctor/doctor.h"

namespace irsa {
namespace {

constexpr std::string_view kWebIdentity = "AssumeRoleWithWebIdentity";

std::string FixForCode(const std::string& code) {
  if (code == "InvalidIdentityToken") {
    return "register the token's issuer (iss) as an IAM OIDC identity provider in the proxy "
           "role's account, with audience sts.amazonaws.com";
  }
  if (code == "ExpiredTokenException") return "the token expired: see token.claims";
  if (code == "IDPCommunicationError" || code == "IDPRejectedClaim") {
    return "STS could not check the token with its issuer: retry; if it persists, the issuer's "
           "discovery document and keys must be reachable from AWS";
  }
  if (code == "RegionDisabledException") {
    return "activate STS in this region (IAM account settings) or set region to an active one";
  }
  return "see the STS message";
}

// The parts every STS check shares.
Check StsCheck(std::string name, const std::string& profile, const RoleArn& role,
               const StsProbe& probe) {
  Check check{std::move(name), CheckStatus::kFail, profile + ": ", {}, ""};
  check.facts = {{"profile", profile}, {"role", role.ToString()}};
  if (!probe.endpoint.empty()) check.facts.push_back({"endpoint", probe.endpoint});
  if (!probe.asked) {
    check.fact += "not asked: " + probe.error;
    check.fix = "fix the checks above first";
  } else if (!probe.answered && probe.http_status != 0) {
    check.fact += probe.error;
    check.facts.push_back({"http_status", std::to_string(probe.http_status)});
    check.fix =
        "the answer is not from STS: check sts-endpoint and the proxy variables (HTTPS_PROXY, "
        "NO_PROXY) between here and STS";
  } else if (!probe.answered) {
    check.fact += probe.error;
    check.fix = "check that STS is reachable from here, or set sts-endpoint (a VPC endpoint)";
  } else if (probe.ok) {
    check.status = CheckStatus::kPass;
    check.fact += "assumed " + probe.assumed_role_arn;
    check.facts.push_back({"assumed_role_arn", probe.assumed_role_arn});
    check.facts.push_back({"credentials", "issued, expire " + probe.expiration + " (never shown)"});
  } else {
    check.fact += probe.code + (probe.message.empty() ? "" : ": " + probe.message);
    check.facts.push_back({"code", probe.code});
    check.fix = FixForCode(probe.code);
  }
  return check;
}
}  // namespace

Check CheckWebIdentity(const ProfilePair& pair, const StsProbe& probe, const JwtClaims* claims) {
  Check check =
      StsCheck("sts.web-identity", std::string(kSourcePrefix) + pair.name, pair.proxy_role, probe);
  if (check.status == CheckStatus::kPass || probe.code != "AccessDenied") return check;
  std::string statement;
  std::string err;
  if (claims != nullptr && TrustPolicyStatement(*claims, pair.proxy_role, &statement, &err)) {
    check.facts.push_back({"trust_policy_statement", statement});
    check.fix = "the trust policy of " + pair.proxy_role.ToString() +
                " does not admit this token: add trust_policy_statement (and the OIDC provider "
                "it names, if the account lacks it)";
  } else {
    check.fix = "the trust policy of " + pair.proxy_role.ToString() + " does not admit this token" +
                (err.empty() ? "" : " (" + err + ")");
  }
  return check;
}

Check CheckAssumeRole(const ProfilePair& pair, const StsProbe& probe, bool source_identity,
                      bool session_tags) {
  Check check = StsCheck("sts.assume-role", pair.name, pair.target_role, probe);
  check.facts.push_back({"from", pair.proxy_role.ToString()});
  std::string actions = "sts:AssumeRole";
  if (source_identity) actions += ", sts:SetSourceIdentity";
  if (session_tags) actions += ", sts:TagSession";
  if (source_identity || session_tags) {
    check.facts.push_back({"also_asked_for", std::string(source_identity ? "SourceIdentity" : "") +
                                                 (source_identity && session_tags ? ", " : "") +
                                                 (session_tags ? "session tags" : "")});
  }
  if (probe.code == "AccessDenied") {
    check.fix = "the trust policy of " + pair.target_role.ToString() + " must allow " +
                pair.proxy_role.ToString() + " (Principal AWS) to " + actions +
                ", and that role needs an identity policy allowing sts:AssumeRole on the target";
    if (source_identity || session_tags) {
      check.fix += " (" + actions.substr(actions.find(", ") + 2) +
                   ": the broker sends them because source-identity / session-tags is on)";
    }
  }
  return check;
}

StsProbe SummarizeHop(const StsHop& hop) {
  StsProbe probe;
  probe.asked = true;
  probe.endpoint = hop.endpoint;
  probe.http_status = hop.http_status;
  probe.answered = hop.answered;
  probe.ok = hop.outcome == Failure::kNone;
  probe.assumed_role_arn = hop.assumed_role_arn;
  probe.expiration = hop.expiration;
  probe.code = hop.error_code;
  if (hop.answered) {
    probe.message = hop.message;
  } else {
    probe.error = hop.message;
  }
  return probe;
}

std::vector<Check> JudgeStsFetch(const ProfilePair& pair, const CredentialRecipe& recipe,
                                 const CredentialFetch& fetch, const JwtClaims* claims) {
  std::vector<Check> checks;
  const bool source_identity = !recipe.source_identity.empty();
  const bool session_tags = !recipe.tags.empty();
  for (const StsHop& hop : fetch.sts_calls) {
    const StsProbe probe = SummarizeHop(hop);
    checks.push_back(hop.action == kWebIdentity
                         ? CheckWebIdentity(pair, probe, claims)
                         : CheckAssumeRole(pair, probe, source_identity, session_tags));
  }
  if (checks.empty() && !fetch.status.ok()) {
    // The chain stopped before its first STS call: a local input (the token
    // file, an ARN, the endpoint) or the Pod Identity agent.
    StsProbe probe;
    probe.error = fetch.status.message();
    checks.push_back(recipe.source_role_arn.empty() ? CheckAssumeRole(pair, probe)
                                                    : CheckWebIdentity(pair, probe, claims));
  }
  return checks;
}

std::vector<Check> CheckStsChain(CredentialSource& chain, const std::vector<ProfilePair>& pairs,
                                 const AuditTrail& audit, const JwtClaims* claims,
                                 bool pod_identity) {
  std::vector<Check> checks;
  if (pairs.empty()) {
    checks.push_back({"sts.web-identity",
                      CheckStatus::kWarn,
                      "no profile pair to try (see mapping.answer and config.file)",
                      {},
                      "fix the checks above first"});
  }
  std::string unreachable;  // an STS endpoint that gave no answer: not asked again
  for (const ProfilePair& pair : pairs) {
    ProfilePair written = pair;  // as sync writes it: no src_X with Pod Identity
    if (pod_identity) written.proxy_role = RoleArn{};
    const CredentialRecipe recipe = RecipesFor({written}, audit).front();
    if (!unreachable.empty()) {
      StsProbe probe;
      probe.error = "STS " + unreachable + " failed for an earlier profile (see above)";
      checks.push_back(recipe.source_role_arn.empty() ? CheckAssumeRole(pair, probe)
                                                      : CheckWebIdentity(pair, probe, claims));
      continue;
    }
    CredentialFetch fetch = chain.Fetch(recipe);
    if (fetch.credentials != nullptr) fetch.credentials->Clear();
    for (Check& check : JudgeStsFetch(pair, recipe, fetch, claims)) {
      checks.push_back(std::move(check));
    }
    // An endpoint that did not answer would not answer the next pair either:
    // report it once instead of waiting up to request-timeout for every pair.
    if (!fetch.sts_calls.empty() && fetch.sts_calls.back().http_status == 0 &&
        fetch.sts_calls.back().outcome == Failure::kTransient) {
      unreachable = std::string(SplitUrl(fetch.sts_calls.back().endpoint).authority);
    }
  }
  return checks;
}

}  // namespace irsa
