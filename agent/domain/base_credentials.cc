#include "domain/base_credentials.h"

#include "base/secret.h"
#include "base/text.h"
#include "domain/jwt.h"

namespace irsa {

std::string_view BaseCredentialsName(BaseCredentials base) {
  return base == BaseCredentials::kPodIdentity ? "pod-identity" : "web-identity";
}

BaseChoice ChooseBaseCredentials(const BaseInputs& inputs) {
  if (inputs.setting == "pod-identity") {
    return {BaseCredentials::kPodIdentity, "base-credentials is pod-identity"};
  }
  if (inputs.setting == "web-identity") {
    return {BaseCredentials::kWebIdentity, "base-credentials is web-identity"};
  }
  const std::string token = "the web identity token " + std::string(inputs.web_identity_token_file);
  const bool uri = !inputs.container_uri.empty();
  const bool token_file = !inputs.container_token_file.empty();
  if (uri && token_file && !inputs.web_identity_token) {
    return {BaseCredentials::kPodIdentity,
            "auto: AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
            "are set and " +
                token + " does not exist"};
  }
  if (uri && token_file) {
    return {BaseCredentials::kWebIdentity,
            "auto: " + token + " exists (it wins over the Pod Identity variables, as in the SDKs)"};
  }
  if (uri || token_file) {
    const std::string_view missing =
        uri ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    return {BaseCredentials::kWebIdentity,
            "auto: only one Pod Identity variable is set (" + std::string(missing) + " is not)"};
  }
  return {BaseCredentials::kWebIdentity, "auto: the Pod Identity variables are not set"};
}

bool WebIdentityTokenPresent(const std::string& path, Files& files) {
  std::string bytes;
  const ReadStatus read = files.Read(path, kMaxTokenBytes, &bytes);
  // A token file too large or unreadable still exists: the SDKs would try it.
  const bool present = read.kind() == ReadFailure::kTooLarge ||
                       read.kind() == ReadFailure::kError ||
                       (read.ok() && !TrimWhitespace(bytes).empty());
  WipeString(&bytes);
  return present;
}

BaseChoice ChooseBaseCredentials(const Settings& settings, Files& files) {
  const std::string path = settings.ReadPath(settings.web_identity_token_file);
  return ChooseBaseCredentials({settings.base_credentials, settings.pod_identity_uri,
                                settings.pod_identity_token_file,
                                WebIdentityTokenPresent(path, files), path});
}

}  // namespace irsa
