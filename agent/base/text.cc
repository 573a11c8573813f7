// Small text helpers shared by the parsers.
#include "base/text.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace irsa {
namespace {

char LowerByte(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Length of the UTF-8 sequence starting at `s[i]` when it is well formed,
// else 0. Well formed is the table of RFC 3629 section 4: the second byte's
// range excludes overlongs (E0, F0), surrogates (ED) and code points above
// U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;  // truncated sequence
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < s.size()) {
    const size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(s.substr(start));
      break;
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool HasControlChar(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if (b < 0x20 || b == 0x7F) return true;
  }
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerByte(x) == LowerByte(y);
         });
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerByte(c);
  return out;
}

bool IsHttpToken(std::string_view s) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

bool IsHeaderSafeToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

bool AppendUtf8(char32_t cp, std::string* out) {
  const auto put = [out](uint32_t v) { out->push_back(static_cast<char>(v)); };
  const auto v = static_cast<uint32_t>(cp);
  if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return false;
  if (v < 0x80) {
    put(v);
  } else if (v < 0x800) {
    put(0xC0 | (v >> 6));
    put(0x80 | (v & 0x3F));
  } else if (v < 0x10000) {
    put(0xE0 | (v >> 12));
    put(0x80 | ((v >> 6) & 0x3F));
    put(0x80 | (v & 0x3F));
  } else {
    put(0xF0 | (v >> 18));
    put(0x80 | ((v >> 12) & 0x3F));
    put(0x80 | ((v >> 6) & 0x3F));
    put(0x80 | (v & 0x3F));
  }
  return true;
}

namespace {

// Appends `s`, each byte for which `escape` is true as \xNN.
template <typename Pred>
void AppendEscaped(std::string_view s, Pred escape, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if (escape(b)) {
      *out += "\\x";
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0x0F]);
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

// Counts input bytes, not output characters: each of the first 64 bytes is
// shown either as itself or as \xNN, so the result is always printable ASCII
// and at most 64 * 4 + 3 characters long whatever the input.
std::string Printable(std::string_view s) {
  constexpr size_t kMaxShown = 64;
  std::string out;
  AppendEscaped(
      s.substr(0, kMaxShown), [](uint8_t b) { return b < 0x20 || b >= 0x7F; }, &out);
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string Count(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string EscapeControl(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // A C1 control (U+0080..U+009F, UTF-8 C2 80..C2 9F; U+009B is CSI) is
  // escaped as its two bytes; other UTF-8 is kept.
  bool c1 = false;
  AppendEscaped(
      s,
      [&s, &c1, i = size_t{0}](uint8_t b) mutable {
        const bool lead = b == 0xC2 && i + 1 < s.size() && static_cast<uint8_t>(s[i + 1]) >= 0x80 &&
                          static_cast<uint8_t>(s[i + 1]) <= 0x9F;
        const bool escape = b < 0x20 || b == 0x7F || lead || c1;
        c1 = lead;
        ++i;
        return escape;
      },
      &out);
  return out;
}

}  // namespace irsa
