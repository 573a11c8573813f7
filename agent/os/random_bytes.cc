#include "os/random_bytes.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace irsa {

bool SecureRandomBytes(size_t n, std::string* out, std::string* err) {
  std::string bytes(n, '\0');
  size_t got = 0;
  // getrandom returns at most 32 MiB per call and may be interrupted: a few
  // calls at most for the sizes asked here.
  for (int attempt = 0; got < n && attempt < 64; ++attempt) {
    const ssize_t r = getrandom(bytes.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *err = std::string("getrandom: ") + std::strerror(errno);
      return false;
    }
    got += static_cast<size_t>(r);
  }
  if (got < n) {
    *err = "getrandom: short read";
    return false;
  }
  *out = std::move(bytes);
  return true;
}

}  // namespace irsa
