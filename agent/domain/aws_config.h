// The syntax of an AWS shared config file, read as strictly as botocore reads
// it. Used for the mapping service's answer and for reading back the file the
// agent published. Meaning (which keys, which pairs) is answer.h's business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irsa {

struct ConfigEntry {
  std::string key;    // trimmed
  std::string value;  // trimmed
  int line = 0;       // 1-based
};

struct ConfigSection {
  std::string header;  // between the brackets, trimmed: "profile x", "default"
  int line = 0;
  std::vector<ConfigEntry> entries;
};

// Parses `text`. Accepts `key=value` and `key = value`, blank lines anywhere,
// and whole-line `#` or `;` comments. Rejects the text as a whole, returning
// false with "answer:LINE: what" style text in `*err` (prefix given by
// `what`), for: a NUL byte, invalid UTF-8, an entry before any section, a line
// that is neither a section header, an entry nor a comment, an unterminated
// header, an empty key, and an indented (continuation) line. Duplicate sections
// and keys are kept as they are, for the caller to judge.
// Details: a carriage return anywhere is rejected (no CRLF); a header is `[`
// to the line's last `]`, trimmed and not empty, with nothing after it; an
// entry splits at the first `=`; a comment may be indented; `*out` is only
// written on success.
bool ParseAwsConfig(std::string_view text, std::string_view what, std::vector<ConfigSection>* out,
                    std::string* err);

// The NAME of a `[profile NAME]` header (the text between the brackets,
// trimmed): "profile", then one or more spaces or tabs, then the name.
// Returns false for any other section (`default`, `sso-session x`, ...).
bool ProfileNameOfHeader(std::string_view header, std::string* name);

}  // namespace irsa
