// Small text helpers shared by the parsers. Pure functions, no allocation
// beyond their results.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irsa {

// `s` without leading and trailing ASCII whitespace (space, \t, \r, \n, \v, \f).
std::string_view TrimWhitespace(std::string_view s);

// Splits on '\n'. A trailing '\r' on a line is kept (callers decide).
// "a\nb" and "a\nb\n" both give {"a", "b"} (a final empty line is dropped).
std::vector<std::string_view> SplitLines(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// True when `s` holds a byte below 0x20 or 0x7f (NUL, CR, LF, TAB included).
bool HasControlChar(std::string_view s);

// ASCII case-insensitive equality (header names, setting words); bytes
// outside A-Z compare as they are, whatever the locale.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` with A-Z turned to a-z, whatever the locale; other bytes kept.
std::string AsciiLower(std::string_view s);

// True when `s` is an HTTP token (RFC 9110 section 5.6.2: one or more of
// A-Z a-z 0-9 and !#$%&'*+-.^_`|~), the grammar of a header name.
bool IsHttpToken(std::string_view s);

// True when `s` can be sent as a credential in an HTTP header value: not
// empty, printable ASCII (0x21-0x7e), no space. Tokens and API keys are.
bool IsHeaderSafeToken(std::string_view s);

// Appends `cp` to `out` as UTF-8. Returns false for surrogates and values
// above U+10FFFF, leaving `out` unchanged.
bool AppendUtf8(char32_t cp, std::string* out);

// "a, b, c".
std::string JoinComma(const std::vector<std::string>& items);

// "1 profile", "2 profiles", "0 profiles": `noun` is singular and takes an s.
std::string Count(size_t n, std::string_view noun);

// `s` with every byte below 0x20 and 0x7f, and both bytes of a UTF-8 C1
// control (U+0080..U+009F), as \xNN, so a message stays one line and cannot
// drive a terminal. Other bytes are kept.
std::string EscapeControl(std::string_view s);

// "Quoted" form of a name for messages: at most 64 visible characters,
// non-printable bytes as \xNN. Never use on secrets.
std::string Printable(std::string_view s);

}  // namespace irsa
