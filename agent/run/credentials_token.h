// The credentials listener's token (`credentials-token-file`): the shared
// secret every container-credentials request carries in Authorization. The
// file is the source of truth; SDKs re-read it on every fetch, the agent reads
// it once at start. Never logged.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "irsa_agent/files.h"

namespace irsa {

// Sets `*out` to `n` random bytes; false with one line in `*err`.
using RandomBytesFn = std::function<bool(size_t n, std::string* out, std::string* err)>;

// The token file's mode when the agent creates it: the pod's fsGroup reads it.
inline constexpr int kCredentialsTokenMode = 0640;
inline constexpr size_t kCredentialsTokenBytes = 32;  // 64 hex characters

// Reads the token at `path` (whitespace around it ignored); when the file
// does not exist, creates it with kCredentialsTokenBytes random bytes in hex
// and mode kCredentialsTokenMode. Returns false with one line in `*err`
// naming `path` (never the token) when it cannot be read or made, or is empty.
bool LoadCredentialsToken(Files& files, const std::string& path, const RandomBytesFn& random,
                          std::string* token, std::string* err);

}  // namespace irsa
