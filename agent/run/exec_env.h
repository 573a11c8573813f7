// `irsa-agent exec PROFILE -- COMMAND`: the environment COMMAND gets, so that
// the default credential chain of every SDK resolves PROFILE through the
// running agent's credentials listener (docs/CLIENTS.md), or, with no agent,
// through static credentials fetched once. Pure: the caller's environment
// and what was found about the agent come in as values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "settings/settings.h"

namespace irsa {

// The running agent's credentials listener, as its state file records it.
struct ExecListener {
  std::string address;     // HOST:PORT ("127.0.0.1:8181", "[::1]:8181")
  std::string token_file;  // credentials-token-file
  std::string token;       // its content, trimmed (a secret)
  bool imds = false;       // the listener also serves /imds/<profile>/
};

// Static credentials for the no-agent case.
struct ExecStatic {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

// The variables exec always removes from COMMAND's environment: each would
// win over (or break) the container and instance metadata providers in some
// SDK's default chain: profile selection, static keys, web identity (Go's
// SDKs try it first and fail), a relative container URI (preferred to the
// full one), IMDS switched off.
const std::vector<std::string_view>& ExecRemovedVariables();

// `env` without ExecRemovedVariables(), plus:
// AWS_CONTAINER_CREDENTIALS_FULL_URI = http://ADDRESS/v1/credentials/PROFILE,
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and AWS_CONTAINER_AUTHORIZATION_TOKEN;
// with imds, AWS_EC2_METADATA_SERVICE_ENDPOINT = http://ADDRESS/imds/PROFILE/,
// CPL_AWS_EC2_API_ROOT_URL = http://ADDRESS/imds/PROFILE (GDAL appends
// /latest/...) and CPL_AWS_AUTODETECT_EC2 = NO; without imds, any
// AWS_EC2_METADATA_SERVICE_ENDPOINT and CPL_AWS_EC2_API_ROOT_URL removed.
// AWS_REGION and AWS_DEFAULT_REGION are set to `region` when it is not empty
// and `env` has neither (the profile's region is lost with AWS_PROFILE).
Environment ExecAgentEnvironment(const Environment& env, std::string_view profile,
                                 const ExecListener& listener, std::string_view region);

// `env` without ExecRemovedVariables() and without the container and IMDS
// endpoint variables, plus AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN (and the region as above).
Environment ExecStaticEnvironment(const Environment& env, const ExecStatic& credentials,
                                  std::string_view region);

// "NAME=VALUE" for each variable, in name order: execve's envp.
std::vector<std::string> EnvironmentBlock(const Environment& env);

}  // namespace irsa
