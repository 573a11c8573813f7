// Secret bytes (tokens, keys, credentials) leave memory through one door.
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// Overwrites the bytes of `*s` in a way the compiler cannot elide, then clears it.
void WipeString(std::string* s);

// Whether `a` and `b` hold the same bytes, in time that depends only on
// their lengths (a token compared against a guess).
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace irsa
