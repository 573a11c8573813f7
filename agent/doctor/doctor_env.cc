// Environment traps that make SDKs ignore the profiles (CONTRACT.md section
// 4), which SDKs can chain web identity at all, and what STS said when asked.
#include <algorithm>

#include "aws/sts.h"
#include "base/text.h"
#include "base/url.h"
#include "doctor/doctor.h"

namespace irsa {
namespace {

std::string Get(const Environment& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

bool Contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

Check WebIdentityEnv(const Environment& env) {
  const std::string role = Get(env, "AWS_ROLE_ARN");
  const std::string token = Get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  Check check{"env.web-identity", CheckStatus::kPass, "", {}, ""};
  if (!role.empty()) check.facts.push_back({"AWS_ROLE_ARN", role});
  if (!token.empty()) check.facts.push_back({"AWS_WEB_IDENTITY_TOKEN_FILE", token});
  const std::string unset_fix =
      "unset AWS_ROLE_ARN in the containers that run the SDKs (the EKS webhook injects it when "
      "the pod's service account has an eks.amazonaws.com/role-arn annotation: remove it)";
  if (!role.empty() && !token.empty()) {
    check.status = CheckStatus::kFail;
    check.fact =
        "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set: Go v2, Java v2 and JS v3 "
        "assume " +
        role +
        " and ignore AWS_PROFILE; botocore with AWS_PROFILE=src_X "
        "takes the role from AWS_ROLE_ARN";
    check.fix = unset_fix;
  } else if (!role.empty()) {
    check.status = CheckStatus::kWarn;
    check.fact =
        "AWS_ROLE_ARN is set: any SDK that also sees AWS_WEB_IDENTITY_TOKEN_FILE assumes "
        "it instead of the profiles";
    check.fix = unset_fix;
  } else if (!token.empty()) {
    check.fact = "AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN: SDKs ignore it";
  } else {
    check.fact = "neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE is set";
  }
  return check;
}

Check ProfileEnv(const Environment& env, const std::vector<std::string>& profiles,
                 bool have_config) {
  Check check{"env.profile", CheckStatus::kPass, "", {}, ""};
  std::string variable = "AWS_PROFILE";
  std::string value = Get(env, variable);
  if (value.empty()) {
    variable = "AWS_DEFAULT_PROFILE";
    value = Get(env, variable);
  }
  if (value.empty()) {
    check.fact = "AWS_PROFILE is not set: code selects a profile by name";
    return check;
  }
  check.facts.push_back({variable, value});
  const std::string setting = variable + "=" + value;
  if (!have_config) {
    check.status = CheckStatus::kWarn;
    check.fact = setting + " (not checked: the config file could not be read)";
    check.fix = "fix config.file first";
  } else if (!Contains(profiles, value)) {
    check.status = CheckStatus::kFail;
    check.fact = setting +
                 " is not a profile in the config: every SDK call without an explicit "
                 "profile fails (ProfileNotFound)";
    check.fix = "set it to one of the profiles (`irsa-agent profiles`) or unset it";
  } else if (value.starts_with(kSourcePrefix) &&
             Contains(profiles, std::string_view(value).substr(kSourcePrefix.size()))) {
    check.status = CheckStatus::kWarn;
    check.fact = setting + " selects the proxy role in the cluster's account, not the role";
    check.fix = "set " + variable + "=" + value.substr(kSourcePrefix.size());
  } else {
    check.fact = setting + " is a profile in the config";
  }
  return check;
}

Check ConfigFileEnv(const Settings& settings, const Environment& env) {
  Check check{"env.config-file", CheckStatus::kPass, "", {}, ""};
  const std::string set = Get(env, "AWS_CONFIG_FILE");
  const std::string home = Get(env, "HOME");
  const std::string read = !set.empty()   ? set
                           : home.empty() ? "~/.aws/config"
                                          : home + "/.aws/config";
  check.facts.push_back({"sdks_read", read + (set.empty() ? " (default)" : " (AWS_CONFIG_FILE)")});
  check.facts.push_back({"agent_writes", settings.aws_config_file});
  if (read == settings.aws_config_file) {
    check.fact = "SDKs read " + read + ", the file the agent writes";
    return check;
  }
  check.status = CheckStatus::kWarn;
  check.fact = "SDKs read " + read + " but the agent writes " + settings.aws_config_file;
  check.fix =
      "set AWS_CONFIG_FILE=" + settings.aws_config_file + " in the containers that run the SDKs";
  return check;
}

Check StaticKeysEnv(const Environment& env) {
  std::vector<std::string> present;
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    if (!Get(env, name).empty()) present.push_back(name);
  }
  if (present.empty()) {
    return {
        "env.static-keys", CheckStatus::kPass, "no AWS_ACCESS_KEY_ID in the environment", {}, ""};
  }
  return {"env.static-keys",
          CheckStatus::kWarn,
          JoinComma(present) +
              " set (values not shown): SDKs use these keys before AWS_PROFILE; only "
              "code that names a profile explicitly gets the role",
          {},
          "unset them in the containers that run the SDKs"};
}

Check SdkChaining(const Environment& env) {
  Check check{"sdk.chaining",
              CheckStatus::kPass,
              "web identity as a source_profile works in botocore >= 1.12.200, the AWS CLI, Go v2, "
              "Java v2, JS v3 and Rust",
              {{"works", "botocore >= 1.12.200 (boto3), AWS CLI, Go v2, Java v2, JS v3, Rust"},
               {"does_not_work",
                "the AWS C++ SDK's default chain, Java v1, JS v2: they need credential_process"}},
              ""};
  const std::string load = Get(env, "AWS_SDK_LOAD_CONFIG");
  check.facts.push_back({"AWS_SDK_LOAD_CONFIG", load.empty() ? "(not set)" : load});
  const bool on = load == "1" || load == "true" || load == "TRUE" || load == "True";
  if (load.empty()) {
    check.facts.push_back({"hint",
                           "Go v1 and JS v2 read the config file only with "
                           "AWS_SDK_LOAD_CONFIG=1"});
  } else if (!on) {
    check.status = CheckStatus::kWarn;
    check.fact = "AWS_SDK_LOAD_CONFIG=" + load + ": Go v1 and JS v2 ignore the config file";
    check.fix = "set AWS_SDK_LOAD_CONFIG=1 (old Go and JS SDKs), or unset it";
  }
  return check;
}

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

std::vector<Check> CheckEnvironment(const Settings& settings, const Environment& env,
                                    const std::vector<std::string>& profiles, bool have_config) {
  return {WebIdentityEnv(env), ProfileEnv(env, profiles, have_config), ConfigFileEnv(settings, env),
          StaticKeysEnv(env), SdkChaining(env)};
}

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

StsProbe SummarizeSts(bool answered, const std::string& err, const StsAnswer& answer,
                      const StsEndpoint& endpoint) {
  StsProbe probe;
  probe.asked = true;
  probe.endpoint = DisplayUrl(endpoint.url);
  probe.answered = answered;
  probe.error = err;
  probe.ok = answered && answer.ok;
  probe.assumed_role_arn = answer.assumed_role_arn;
  probe.expiration = answer.credentials.expiration;
  probe.code = answer.error_code;
  probe.message = answer.error_message;
  return probe;
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

}  // namespace irsa
