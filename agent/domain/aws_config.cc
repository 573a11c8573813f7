// The syntax of an AWS shared config file. botocore reads it with Python's
// configparser, where one bad line makes every profile unusable; so a text is
// accepted only when each line is unambiguous, and rejected as a whole
// otherwise. Everything accepted here parses the same way in botocore (keys
// aside: configparser also splits at ':' and lowercases keys, which only turns
// such keys into unknown ones for answer.cc to drop).
#include "domain/aws_config.h"

#include <cstddef>
#include <utility>

#include "base/text.h"

namespace irsa {
namespace {

// Byte-level problems make the text something other than a config file
// (binary data, another encoding, CRLF line ends that SDKs read differently),
// so they are checked on every line before any syntax. Splitting on '\n'
// never cuts a UTF-8 sequence, so checking line by line is exact.
bool CheckBytes(std::string_view line, std::string* problem) {
  if (line.find('\0') != std::string_view::npos) {
    *problem = "NUL byte";
  } else if (!IsValidUtf8(line)) {
    *problem = "invalid UTF-8";
  } else if (line.find('\r') != std::string_view::npos) {
    *problem = "carriage return";
  } else {
    return true;
  }
  return false;
}

bool IsComment(std::string_view trimmed) {
  return trimmed.front() == '#' || trimmed.front() == ';';
}

// `trimmed` starts with '['. The header runs to the last ']' of the line, the
// way configparser's greedy `\[(?P<header>.+)\]` reads it, so brackets inside
// a header reach the caller, who judges the name.
bool ParseHeader(std::string_view trimmed, std::string* header, std::string* problem) {
  if (trimmed.back() != ']') {
    *problem = trimmed.find(']') == std::string_view::npos ? "unterminated section header"
                                                           : "text after section header";
    return false;
  }
  const std::string_view inside = TrimWhitespace(trimmed.substr(1, trimmed.size() - 2));
  if (inside.empty()) {
    *problem = "empty section header";
    return false;
  }
  *header = std::string(inside);
  return true;
}

// `key = value`, split at the first '='; both sides trimmed.
bool ParseEntry(std::string_view trimmed, ConfigEntry* entry, std::string* problem) {
  const size_t eq = trimmed.find('=');
  if (eq == std::string_view::npos) {
    *problem = "not a section header, entry or comment";
    return false;
  }
  const std::string_view key = TrimWhitespace(trimmed.substr(0, eq));
  if (key.empty()) {
    *problem = "empty key";
    return false;
  }
  entry->key = std::string(key);
  entry->value = std::string(TrimWhitespace(trimmed.substr(eq + 1)));
  return true;
}

// Parses one line into `*sections`. Returns false with `*problem` set when the
// line is not acceptable.
bool ParseLine(std::string_view line, int number, std::vector<ConfigSection>* sections,
               std::string* problem) {
  const std::string_view trimmed = TrimWhitespace(line);
  if (trimmed.empty() || IsComment(trimmed)) return true;
  // configparser appends an indented line to the previous value; other SDKs
  // differ. Nothing legitimate is indented, so refuse to guess.
  if (trimmed.data() != line.data()) {
    *problem = "indented line (a continuation in botocore)";
    return false;
  }
  if (trimmed.front() == '[') {
    ConfigSection section;
    section.line = number;
    if (!ParseHeader(trimmed, &section.header, problem)) return false;
    sections->push_back(std::move(section));
    return true;
  }
  ConfigEntry entry;
  entry.line = number;
  if (!ParseEntry(trimmed, &entry, problem)) return false;
  if (sections->empty()) {
    *problem = "entry before the first section";
    return false;
  }
  sections->back().entries.push_back(std::move(entry));
  return true;
}

std::string Where(std::string_view what, size_t index) {
  return std::string(what) + ":" + std::to_string(index + 1) + ": ";
}

}  // namespace

bool ParseAwsConfig(std::string_view text, std::string_view what, std::vector<ConfigSection>* out,
                    std::string* err) {
  const std::vector<std::string_view> lines = SplitLines(text);
  std::string problem;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!CheckBytes(lines[i], &problem)) {
      *err = Where(what, i) + problem;
      return false;
    }
  }
  std::vector<ConfigSection> sections;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!ParseLine(lines[i], static_cast<int>(i + 1), &sections, &problem)) {
      *err = Where(what, i) + problem;
      return false;
    }
  }
  *out = std::move(sections);
  return true;
}

bool ProfileNameOfHeader(std::string_view header, std::string* name) {
  constexpr std::string_view kWord = "profile";
  if (!header.starts_with(kWord)) return false;
  const std::string_view rest = header.substr(kWord.size());
  const size_t start = rest.find_first_not_of(" \t");
  if (start == 0 || start == std::string_view::npos) return false;
  *name = std::string(rest.substr(start));
  return true;
}

}  // namespace irsa
