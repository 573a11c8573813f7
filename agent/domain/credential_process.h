// The `credential_process` command of a process-style profile: this binary's
// `credentials PROFILE` with every argument it needs to work alone, quoted
// for the shell-like split every SDK applies (botocore's shlex.split, the
// `sh -c` of the JS, Go, Java and C++ SDKs), and read back from a published
// config.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/aws_config.h"

namespace irsa {

struct ProcessCommand {
  std::string binary;  // this binary as the user's container sees it
  std::string profile;
  std::string socket;
  std::string role_arn;
  std::string source_role_arn;  // empty for a proxy profile src_X
  std::string session_name;
  std::string region;  // empty: not passed
  std::string web_identity_token_file;
  std::string sts_endpoint;     // empty: not passed
  std::string source_identity;  // empty: not passed (--set-source-identity)
  std::vector<std::pair<std::string, std::string>> tags;  // --tag KEY=VALUE each
  std::string ca_file;                                    // empty: not passed
  // "pod-identity" when the base credentials are EKS Pod Identity's (the
  // command then assumes `role_arn` from the pod's role); empty: not passed.
  std::string base_credentials;

  bool operator==(const ProcessCommand&) const = default;
};

// `word` as one shell word: unchanged when it holds only
// [A-Za-z0-9_+=,.@/:%-] (and is not empty), else in single quotes with each
// ' written as '\''.
std::string ShellQuote(std::string_view word);

// The command line: binary, "credentials", profile, then --socket,
// --role-arn, [--source-role-arn], --session-name, [--region],
// --web-identity-token-file, [--sts-endpoint], [--set-source-identity],
// [--tag K=V]..., [--ca-file], [--base-credentials], each word quoted by
// ShellQuote.
// REQUIRES: no value holds a control character (settings and ARNs checked).
std::string FormatCredentialProcess(const ProcessCommand& command);

// Splits `line` like a POSIX shell without expansions: blanks separate words;
// '...' is literal; "..." is literal but for \" \\ \$ \`; a backslash outside
// quotes keeps the next character. Returns false with `*err` for an
// unterminated quote, a trailing backslash or a control character.
bool SplitCommandLine(std::string_view line, std::vector<std::string>* words, std::string* err);

// Reads back a command FormatCredentialProcess wrote. Returns false with
// `*err` when it is not `BINARY credentials PROFILE` followed by the options
// above, or lacks --role-arn or --web-identity-token-file.
bool ParseCredentialProcess(std::string_view line, ProcessCommand* out, std::string* err);

// For reading back a published process-style profile: when `section` has a
// `credential_process` that ParseCredentialProcess reads and that names the
// section's own profile, replaces its entries by the chain-style entries it
// stands for (source_profile + role_arn for a target, web_identity_token_file
// + role_arn for a proxy, role_arn + credential_source = EcsContainer under
// --base-credentials pod-identity), keeping `region` and the line numbers.
// Other sections are left as they are.
void ChainEntriesOfProcessProfile(ConfigSection* section);

}  // namespace irsa
