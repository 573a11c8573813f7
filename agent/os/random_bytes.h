// Bytes from the kernel's CSPRNG (getrandom(2)), for secrets the agent makes
// itself: the credentials listener's token, the IMDS session-token key.
#pragma once

#include <cstddef>
#include <string>

namespace irsa {

// Sets `*out` to `n` random bytes. Waits for the pool to be initialised
// (only right after boot); false with one line in `*err` when the kernel
// refuses, never a weaker fallback.
bool SecureRandomBytes(size_t n, std::string* out, std::string* err);

}  // namespace irsa
