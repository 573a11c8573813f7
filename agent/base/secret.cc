#include "base/secret.h"

#include <openssl/crypto.h>

namespace irsa {

void WipeString(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace irsa
