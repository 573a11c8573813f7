// ParseLabels and PodIdentityFromLabels on arbitrary bytes.
//
// Invariants: parsed labels written back the way the kubelet writes them (Go's
// %q, both with literal UTF-8 and ASCII-only escapes) parse back to the same
// map; errors are "labels:LINE: ..." on one printable line; an identity taken
// from labels holds a valid run id and workload type.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/text.h"
#include "domain/labels.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

// The length of the well-formed UTF-8 sequence at s[i] and its code point, or
// 0 when the byte starts none (Go decodes such a byte as RuneError, width 1).
size_t DecodeRune(std::string_view s, size_t i, char32_t* rune) {
  for (size_t len = 1; len <= 4 && i + len <= s.size(); ++len) {
    const std::string_view seq = s.substr(i, len);
    if (!irsa::IsValidUtf8(seq)) continue;
    const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(seq[k])); };
    uint32_t cp = 0;
    if (len == 1) cp = b(0);
    if (len == 2) cp = (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    if (len == 3) cp = (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    if (len == 4)
      cp = (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    *rune = static_cast<char32_t>(cp);
    return len;
  }
  return 0;
}

void AppendHex(uint32_t value, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
    out->push_back(kHex[(value >> shift) & 0xF]);
}

// strconv.Quote (ascii_only: strconv.QuoteToASCII). Non-ASCII runes count as
// printable except the C1 controls; Go's exact unicode.IsPrint table does not
// matter here, since the parser must read both spellings of every rune.
std::string GoQuote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    char32_t rune = 0;
    const size_t width = DecodeRune(s, i, &rune);
    if (width == 0) {
      out += "\\x";
      AppendHex(static_cast<uint8_t>(s[i]), 2, &out);
      ++i;
      continue;
    }
    const auto r = static_cast<uint32_t>(rune);
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (r >= 0x20 && r < 0x7f) {
      out.push_back(static_cast<char>(r));
    } else if (r >= 0xa0 && !ascii_only) {
      out.append(s.substr(i, width));
    } else if (r == '\a' || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t' ||
               r == '\v') {
      static constexpr std::string_view kBytes = "\a\b\f\n\r\t\v";
      out.push_back('\\');
      out.push_back("abfnrtv"[kBytes.find(static_cast<char>(r))]);
    } else if (r < 0x20 || r == 0x7f) {
      out += "\\x";
      AppendHex(r, 2, &out);
    } else if (r < 0x10000) {
      out += "\\u";
      AppendHex(r, 4, &out);
    } else {
      out += "\\U";
      AppendHex(r, 8, &out);
    }
    i += width;
  }
  return out + "\"";
}

// The labels file as the kubelet writes it: sorted keys (std::map order is
// byte order, as Go's sort.Strings), no trailing newline.
std::string FormatLabels(const irsa::Labels& labels, bool ascii_only) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out.push_back('\n');
    out += key + "=" + GoQuote(value, ascii_only);
  }
  return out;
}

void CheckRoundTrip(const irsa::Labels& labels) {
  for (bool ascii_only : {false, true}) {
    irsa::Labels again;
    std::string err;
    Check(irsa::ParseLabels(FormatLabels(labels, ascii_only), &again, &err),
          "a %q-formatted labels file parses");
    Check(again == labels, "a %q-formatted labels file parses to the same labels");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = irsa::fuzz::AsText(data, size);
  irsa::Labels labels;
  std::string err;
  if (!irsa::ParseLabels(text, &labels, &err)) {
    Check(err.starts_with("labels:"), "error starts with labels:");
    Check(irsa::fuzz::IsPrintableLine(err), "error is one printable line");
    return 0;
  }
  CheckRoundTrip(labels);

  irsa::PodIdentity identity;
  if (irsa::PodIdentityFromLabels(labels, &identity, &err)) {
    Check(irsa::IsValidRunId(identity.run_id), "identity has a valid run id");
    Check(identity.workload_type.empty() || irsa::IsValidWorkloadType(identity.workload_type),
          "identity has a valid workload type");
  } else {
    Check(err.starts_with("labels: "), "identity error starts with labels:");
    Check(irsa::fuzz::IsPrintableLine(err), "identity error is one printable line");
  }
  return 0;
}
