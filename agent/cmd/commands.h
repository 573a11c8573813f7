// The subcommands, each in its own cmd_*.cc. main.cc builds the shells and
// calls one; each returns the process exit code.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "aws/sts.h"
#include "base/log.h"
#include "doctor/doctor.h"
#include "irsa_agent/clock.h"
#include "irsa_agent/files.h"
#include "irsa_agent/http.h"
#include "mapping/iam_client.h"
#include "reap/aws_credentials.h"
#include "settings/settings.h"

namespace irsa {

// The real shells, owned by main and borrowed by every command.
struct Shells {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<LogSink> sink;
  std::unique_ptr<Files> files;
  std::unique_ptr<HttpClient> http;
};

// "irsa-agent: error: MESSAGE" on stderr, control characters escaped; with
// SetErrorFormat(kJson), one JSON object like the log lines' instead.
void PrintError(std::string_view message);

// "irsa-agent: warning: MESSAGE" on stderr (or a JSON line), for main.
void PrintWarning(std::string_view message);

// The format of PrintError's and PrintWarning's lines (log-format).
void SetErrorFormat(LogFormat format);

// Flushes stdout: `ok_code` when that works, else an error line and `fail_code`.
int FinishStdout(int ok_code, int fail_code);

// A Logger for `settings` writing to the shells' sink, with the api-key registered as a secret.
Logger MakeLogger(const Settings& settings, Shells& shells);

// Uniform draws from [0, 1), seeded from the OS.
std::function<double()> UniformSource();

int OnceCommand(const Invocation& invocation, Shells& shells);
int RunCommand(const Invocation& invocation, const Environment& env, Shells& shells);
int StatusCommand(const Invocation& invocation, Shells& shells);
int InstallCommand(const Invocation& invocation, Shells& shells);
int DoctorCommand(const Invocation& invocation, const Environment& env, Shells& shells);
int ProfilesCommand(const Invocation& invocation, Shells& shells);
int CredentialsCommand(const Invocation& invocation, const Environment& env, Shells& shells);
int ReapCommand(const Invocation& invocation, const Environment& env, Shells& shells);
int ExecCommand(const Invocation& invocation, const Environment& env, Shells& shells);

// `invocation.profile`'s credentials as `credentials` gets them: from the
// running agent's Unix socket (`socket`), else from the chain run here with
// the invocation's recipe (--role-arn, ...). kExitOk with `*out` and
// `*expires_at` (at least 5 minutes away); otherwise one error line printed
// and its exit code returned.
int GetProfileCredentials(const Invocation& invocation, Shells& shells, TemporaryCredentials* out,
                          int64_t* expires_at);
int HelpCommand(const Invocation& invocation);     // cmd_info.cc
int VersionCommand(const Invocation& invocation);  // cmd_info.cc
int CompletionCommand(const Invocation& invocation);
int MappingServiceCommand(const Invocation& invocation, const Environment& env, Shells& shells);

// kube-api (loopback may be plain http), else the in-cluster service address.
// False with one line in `*err`.
bool KubeApiUrl(const Settings& settings, const Environment& env, std::string* out,
                std::string* err);

// The Kubernetes bearer token of `path` (kube-token-file), read again for
// each call (it rotates), line end removed; thread-safe. Borrows `files`.
std::function<bool(std::string* token, std::string* err)> KubeTokenReader(Files& files,
                                                                          std::string path);

// `doctor --mapping-service` (cmd_doctor_mapping_service.cc).
int DoctorMappingServiceCommand(const Invocation& invocation, const Environment& env,
                                Shells& shells);

// The mapping service's Kubernetes API (KubeApiUrl) and IAM endpoint
// (iam-endpoint), as `mapping-service` and its doctor resolve them. False
// with one line in `*err` (cmd_mapping_service.cc).
bool MappingServiceEndpoints(const Settings& settings, const Environment& env,
                             std::string* kube_api, IamEndpoint* iam, std::string* err);

// Prints the doctor's checks on stdout (text, or JSON with `json`) with every
// secret `log` knows redacted, logs each check's name and status at debug,
// and returns the doctor's exit code (cmd_doctor.cc).
int ReportDoctorChecks(const std::vector<Check>& checks, bool json, Logger& log);

// The process's own AWS credentials in the SDKs' order (environment keys, web
// identity, Pod Identity); nullptr after printing an error, with `*exit_code`.
std::unique_ptr<AwsCredentialProvider> AwsCredentialsFor(const Settings& settings,
                                                         const Environment& env, Shells& shells,
                                                         Logger& log, int* exit_code);

// The binary process-style profiles run: install-to's copy when set, else
// this binary's own path (/proc/self/exe's link); empty when unknown.
std::string CredentialsBinary(const Settings& settings);

// Why InstallSelf failed; the two kinds map to different exit codes.
enum class InstallFailure { kNone, kCannotRead, kCannotWrite };

// Copies the running executable to DIR/irsa-agent with mode 0755, atomically
// (Files::Publish). It reads /proc/self/exe, so a binary replaced on disk since
// it started still copies itself. Sets `*path` to DIR/irsa-agent and
// `*changed` to false when that file already held these bytes with that mode.
// A failure's message is one line naming the path.
Status<InstallFailure> InstallSelf(Files& files, const std::string& dir, std::string* path,
                                   bool* changed);

}  // namespace irsa
