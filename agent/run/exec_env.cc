// Which variable wins in which SDK, and why each is set or removed, is in
// docs/CLIENTS.md.
#include "run/exec_env.h"

namespace irsa {
namespace {

constexpr std::string_view kFullUri = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr std::string_view kToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr std::string_view kImdsEndpoint = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
constexpr std::string_view kGdalImdsRoot = "CPL_AWS_EC2_API_ROOT_URL";
constexpr std::string_view kGdalAutodetect = "CPL_AWS_AUTODETECT_EC2";

void Erase(Environment* env, std::string_view name) { env->erase(std::string(name)); }

void Set(Environment* env, std::string_view name, std::string value) {
  (*env)[std::string(name)] = std::move(value);
}

// `env` without the variables every exec removes, with the region added.
Environment Base(const Environment& env, std::string_view region) {
  Environment out = env;
  for (std::string_view name : ExecRemovedVariables()) Erase(&out, name);
  if (!region.empty() && out.count("AWS_REGION") == 0 && out.count("AWS_DEFAULT_REGION") == 0) {
    Set(&out, "AWS_REGION", std::string(region));
    Set(&out, "AWS_DEFAULT_REGION", std::string(region));
  }
  return out;
}

void EraseEndpoints(Environment* env) {
  for (std::string_view name : {kFullUri, kTokenFile, kToken, kImdsEndpoint, kGdalImdsRoot}) {
    Erase(env, name);
  }
}

}  // namespace

const std::vector<std::string_view>& ExecRemovedVariables() {
  static const std::vector<std::string_view> kRemoved = {
      "AWS_PROFILE",
      "AWS_DEFAULT_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_ACCESS_KEY",  // the Go SDK v1's alias
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SECRET_KEY",  // the Go SDK v1's alias
      "AWS_SESSION_TOKEN",
      "AWS_SECURITY_TOKEN",  // boto2 and botocore's legacy name
      "AWS_ROLE_ARN",
      "AWS_ROLE_SESSION_NAME",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_EC2_METADATA_DISABLED",
  };
  return kRemoved;
}

Environment ExecAgentEnvironment(const Environment& env, std::string_view profile,
                                 const ExecListener& listener, std::string_view region) {
  Environment out = Base(env, region);
  EraseEndpoints(&out);
  const std::string root = "http://" + listener.address;
  Set(&out, kFullUri, root + "/v1/credentials/" + std::string(profile));
  Set(&out, kTokenFile, listener.token_file);
  Set(&out, kToken, listener.token);
  if (listener.imds) {
    const std::string imds = root + "/imds/" + std::string(profile);
    Set(&out, kImdsEndpoint, imds + "/");
    Set(&out, kGdalImdsRoot, imds);
    Set(&out, kGdalAutodetect, "NO");
  }
  return out;
}

Environment ExecStaticEnvironment(const Environment& env, const ExecStatic& credentials,
                                  std::string_view region) {
  Environment out = Base(env, region);
  EraseEndpoints(&out);
  Set(&out, "AWS_ACCESS_KEY_ID", credentials.access_key_id);
  Set(&out, "AWS_SECRET_ACCESS_KEY", credentials.secret_access_key);
  Set(&out, "AWS_SESSION_TOKEN", credentials.session_token);
  return out;
}

std::vector<std::string> EnvironmentBlock(const Environment& env) {
  std::vector<std::string> block;
  block.reserve(env.size());
  for (const auto& [name, value] : env) block.push_back(name + "=" + value);
  return block;
}

}  // namespace irsa
