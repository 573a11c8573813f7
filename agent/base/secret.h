// Secret bytes (tokens, keys, credentials) leave memory through one door.
#pragma once

#include <string>

namespace irsa {

// Overwrites the bytes of `*s` in a way the compiler cannot elide, then clears it.
void WipeString(std::string* s);

}  // namespace irsa
