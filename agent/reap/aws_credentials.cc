#include "reap/aws_credentials.h"

#include "base/secret.h"
#include "base/text.h"
#include "base/timestamp.h"
#include "domain/arn.h"
#include "domain/jwt.h"

namespace irsa {
namespace {

constexpr int64_t kRefreshMarginSeconds = 300;
constexpr std::string_view kSessionName = "irsa-agent-reap";

std::string EnvValue(const Environment& env, const char* name) {
  const auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

void CopyInto(const TemporaryCredentials& from, TemporaryCredentials* to) {
  to->Clear();
  to->access_key_id = from.access_key_id;
  to->secret_access_key = from.secret_access_key;
  to->session_token = from.session_token;
  to->expiration = from.expiration;
}

class EnvironmentKeysProvider : public AwsCredentialProvider {
 public:
  explicit EnvironmentKeysProvider(const Environment& env) {
    keys_.access_key_id = EnvValue(env, "AWS_ACCESS_KEY_ID");
    keys_.secret_access_key = EnvValue(env, "AWS_SECRET_ACCESS_KEY");
    keys_.session_token = EnvValue(env, "AWS_SESSION_TOKEN");
  }
  bool Get(int64_t, TemporaryCredentials* out, Failure* kind, std::string* err) override {
    if (keys_.access_key_id.empty() || keys_.secret_access_key.empty()) {
      *kind = Failure::kInput;
      *err = "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is empty";
      return false;
    }
    CopyInto(keys_, out);
    return true;
  }

 private:
  TemporaryCredentials keys_;  // wiped by its destructor
};

class WebIdentityProvider : public AwsCredentialProvider {
 public:
  WebIdentityProvider(RoleArn role, std::string token_file, StsEndpoint endpoint, double timeout,
                      Files& files, HttpClient& http)
      : role_(std::move(role)),
        token_file_(std::move(token_file)),
        files_(files),
        sts_(http, std::move(endpoint), timeout, "") {}

  bool Get(int64_t now, TemporaryCredentials* out, Failure* kind, std::string* err) override {
    if (have_ && expires_at_ - now > kRefreshMarginSeconds) {
      CopyInto(session_, out);
      return true;
    }
    std::string token;
    const ReadStatus read = files_.Read(token_file_, kMaxTokenBytes, &token);
    if (!read.ok() || TrimWhitespace(token).empty()) {
      WipeString(&token);
      *kind = Failure::kInput;
      *err =
          "AWS_WEB_IDENTITY_TOKEN_FILE " + (read.ok() ? token_file_ + " is empty" : read.message());
      return false;
    }
    StsAnswer answer;
    std::string sts_err;
    const bool answered = sts_.AssumeRoleWithWebIdentity(role_, kSessionName, TrimWhitespace(token),
                                                         &answer, &sts_err);
    WipeString(&token);
    if (!answered) {
      *kind = Failure::kTransient;
      *err = "web identity: " + sts_err;
      return false;
    }
    int64_t expires_at = 0;
    if (std::string time_err;
        !answer.ok || !ParseRfc3339(answer.credentials.expiration, &expires_at, &time_err)) {
      const bool transient = answer.error_code == "IDPCommunicationError" ||
                             answer.error_code == "Throttling" ||
                             answer.error_code == "ServiceUnavailable";
      *kind = answer.ok   ? Failure::kTransient
              : transient ? Failure::kTransient
                          : Failure::kPermanent;
      *err = answer.ok ? "web identity: STS gave an Expiration that is not an ISO 8601 time"
                       : "web identity: STS refused AssumeRoleWithWebIdentity into " +
                             role_.ToString() + ": " + answer.error_code;
      return false;
    }
    CopyInto(answer.credentials, &session_);
    expires_at_ = expires_at;
    have_ = true;
    CopyInto(session_, out);
    return true;
  }

 private:
  RoleArn role_;
  std::string token_file_;
  Files& files_;
  StsClient sts_;
  TemporaryCredentials session_;
  int64_t expires_at_ = 0;
  bool have_ = false;
};

class CredentialSourceProvider : public AwsCredentialProvider {
 public:
  CredentialSourceProvider(CredentialSource& source, CredentialRecipe recipe)
      : source_(source), recipe_(std::move(recipe)) {}

  bool Get(int64_t now, TemporaryCredentials* out, Failure* kind, std::string* err) override {
    if (cached_ && expires_at_ - now > kRefreshMarginSeconds) {
      CopyInto(*cached_, out);
      return true;
    }
    CredentialFetch fetch = source_.Fetch(recipe_);
    if (fetch.failure != Failure::kNone || !fetch.credentials) {
      *kind = fetch.failure == Failure::kNone ? Failure::kTransient : fetch.failure;
      *err = fetch.message.empty() ? "no credentials for " + recipe_.profile : fetch.message;
      return false;
    }
    cached_ = std::move(fetch.credentials);
    expires_at_ = fetch.expires_at;
    CopyInto(*cached_, out);
    return true;
  }

 private:
  CredentialSource& source_;
  CredentialRecipe recipe_;
  std::unique_ptr<TemporaryCredentials> cached_;  // wiped by its destructor
  int64_t expires_at_ = 0;
};

// The Pod Identity client as a CredentialSource: the recipe is not used (the
// agent gives the pod's one role).
class PodIdentitySource : public CredentialSource {
 public:
  PodIdentitySource(PodIdentityEndpoint endpoint, Files& files, HttpClient& http)
      : endpoint_(std::move(endpoint)), files_(files), http_(http) {}

  CredentialFetch Fetch(const CredentialRecipe& recipe) override {
    (void)recipe;
    return FetchPodIdentityCredentials(endpoint_, files_, http_);
  }

 private:
  PodIdentityEndpoint endpoint_;
  Files& files_;
  HttpClient& http_;
};

CredentialRecipe PodIdentityRecipe() {
  CredentialRecipe recipe;
  recipe.profile = "Pod Identity";  // for messages only
  return recipe;
}

// Owns the source the adapter borrows.
class PodIdentityProvider : public AwsCredentialProvider {
 public:
  PodIdentityProvider(PodIdentityEndpoint endpoint, Files& files, HttpClient& http)
      : source_(std::move(endpoint), files, http),
        cached_(NewCredentialSourceProvider(source_, PodIdentityRecipe())) {}

  bool Get(int64_t now, TemporaryCredentials* out, Failure* kind, std::string* err) override {
    return cached_->Get(now, out, kind, err);
  }

 private:
  PodIdentitySource source_;
  std::unique_ptr<AwsCredentialProvider> cached_;
};

}  // namespace

std::unique_ptr<AwsCredentialProvider> NewPodIdentityProvider(PodIdentityEndpoint endpoint,
                                                              Files& files, HttpClient& http) {
  return std::make_unique<PodIdentityProvider>(std::move(endpoint), files, http);
}

std::unique_ptr<AwsCredentialProvider> NewCredentialSourceProvider(CredentialSource& source,
                                                                   CredentialRecipe recipe) {
  return std::make_unique<CredentialSourceProvider>(source, std::move(recipe));
}

CredentialChoice ChooseCredentialPlace(const Environment& env) {
  if (!EnvValue(env, "AWS_ACCESS_KEY_ID").empty() &&
      !EnvValue(env, "AWS_SECRET_ACCESS_KEY").empty()) {
    return {CredentialPlace::kEnvironmentKeys,
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set"};
  }
  if (!EnvValue(env, "AWS_ROLE_ARN").empty() &&
      !EnvValue(env, "AWS_WEB_IDENTITY_TOKEN_FILE").empty()) {
    return {CredentialPlace::kWebIdentity, "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set"};
  }
  if (!EnvValue(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
    return {CredentialPlace::kPodIdentity, "AWS_CONTAINER_CREDENTIALS_FULL_URI is set"};
  }
  return {CredentialPlace::kNone,
          "none of AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN + "
          "AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI is set"};
}

std::unique_ptr<AwsCredentialProvider> NewEnvironmentKeysProvider(const Environment& env) {
  return std::make_unique<EnvironmentKeysProvider>(env);
}

std::unique_ptr<AwsCredentialProvider> NewWebIdentityProvider(const Environment& env,
                                                              const std::string& sts_endpoint,
                                                              const std::string& region,
                                                              double timeout, Files& files,
                                                              HttpClient& http, std::string* err) {
  RoleArn role;
  std::string why;
  if (!ParseRoleArn(EnvValue(env, "AWS_ROLE_ARN"), &role, &why)) {
    *err = "AWS_ROLE_ARN: " + why;
    return nullptr;
  }
  StsEndpoint endpoint;
  if (!ResolveStsEndpoint(sts_endpoint, region, role.partition, &endpoint, err)) return nullptr;
  return std::make_unique<WebIdentityProvider>(std::move(role),
                                               EnvValue(env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
                                               std::move(endpoint), timeout, files, http);
}

}  // namespace irsa
