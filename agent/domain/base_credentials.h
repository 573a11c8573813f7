// Where the base credentials of the chain come from: the web identity token
// (IRSA) or the EKS Pod Identity agent. Decides, and says why, for the
// renderer, the broker, doctor and the logs.
#pragma once

#include <string>
#include <string_view>

#include "irsa_agent/files.h"
#include "settings/settings.h"

namespace irsa {

enum class BaseCredentials { kWebIdentity, kPodIdentity };

std::string_view BaseCredentialsName(BaseCredentials base);  // "web-identity", "pod-identity"

// What the choice depends on.
struct BaseInputs {
  std::string_view setting = "auto";         // base-credentials: auto, web-identity, pod-identity
  std::string_view container_uri;            // AWS_CONTAINER_CREDENTIALS_FULL_URI; empty: unset
  std::string_view container_token_file;     // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; empty: unset
  bool web_identity_token = false;           // the web identity token file exists, not empty
  std::string_view web_identity_token_file;  // its path, for the reason
};

struct BaseChoice {
  BaseCredentials base = BaseCredentials::kWebIdentity;
  std::string why;  // one line: "auto: ... set and no web identity token at /x"
};

// web-identity and pod-identity are taken as set. auto picks Pod Identity
// when both container variables are set and there is no web identity token,
// and web identity otherwise (the SDKs' own order: a web identity token wins).
BaseChoice ChooseBaseCredentials(const BaseInputs& inputs);

// Whether the web identity token file at `path` counts as there, as the SDKs
// see it: readable and not blank, or there but too large or unreadable (the
// SDKs would try it). The bytes read are wiped.
bool WebIdentityTokenPresent(const std::string& path, Files& files);

// The same from `settings`, probing the web identity token file (root-path
// applied) through `files`. The bytes read are wiped.
BaseChoice ChooseBaseCredentials(const Settings& settings, Files& files);

}  // namespace irsa
