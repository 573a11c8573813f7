// The INI file: key = value lines in section [agent], parsed by inih.
//
// What the file may hold:
//   * "[agent]" on a line of its own; any other section is an error.
//   * "key = value" or "key: value"; blanks around the key and the value are
//     dropped, everything else in the value is kept verbatim.
//   * Comment lines, whose first non-blank character is ';' or '#'.
//   * Blank lines, CRLF line ends, a UTF-8 byte order mark at the start.
//
// Debian's libinih (r55) is built with multi-line values and inline ';'
// comments on and reads lines through a 200-byte buffer. Each would make inih
// read a line differently from how it looks, so CheckShape() refuses them
// before inih sees the text:
//   * an indented line (inih appends it to the previous key's value),
//   * ';' or '#' after a blank on a key line (inih cuts the value at " ;" but
//     keeps " #"; refusing both means a comment is never half-honoured),
//   * a line over 198 bytes (inih splits it into two lines),
//   * a NUL byte (ini_parse_string stops reading there).
// After that check every key line is exactly one handler call, in order, so
// the n-th call belongs to the n-th key line: that is where the line numbers
// in messages and in Settings::origin come from (inih's handler gets none).

#include <ini.h>

#include <algorithm>
#include <string>

#include "base/text.h"
#include "settings/settings_table.h"

namespace irsa {
namespace {

constexpr std::string_view kSection = "agent";
constexpr size_t kMaxLine = 198;  // inih's 200-byte buffer, less '\n' and NUL
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string At(std::string_view path, int line) {
  return std::string(path) + ":" + std::to_string(line) + ": ";
}

// Checks one line (without '\n'); records key lines in `key_lines`.
bool CheckLine(std::string_view line, int number, std::string_view path,
               std::vector<int>* key_lines, std::string* err) {
  if (line.size() > kMaxLine) {
    *err = At(path, number) + "line longer than 198 bytes";
    return false;
  }
  if (number == 1 && line.starts_with(kByteOrderMark)) line.remove_prefix(kByteOrderMark.size());
  const std::string_view text = TrimWhitespace(line);
  if (text.empty() || text.front() == ';' || text.front() == '#') return true;
  if (IsBlank(line.front())) {
    *err = At(path, number) + "indented line (continuation lines are not supported)";
    return false;
  }
  if (text.front() == '[') {
    if (text.back() != ']') {
      *err = At(path, number) + "expected [agent] alone on the line";
      return false;
    }
    const std::string_view name = text.substr(1, text.size() - 2);
    if (name != kSection) {
      *err = At(path, number) + "unknown section [" + Printable(name) + "]";
      return false;
    }
    return true;
  }
  for (size_t i = 1; i < text.size(); ++i) {
    if ((text[i] == ';' || text[i] == '#') && IsBlank(text[i - 1])) {
      *err = At(path, number) + "inline comment (comments go on their own line)";
      return false;
    }
  }
  const size_t separator = text.find_first_of("=:");
  if (separator == std::string_view::npos || TrimWhitespace(text.substr(0, separator)).empty()) {
    *err = At(path, number) + "expected 'key = value'";
    return false;
  }
  key_lines->push_back(number);
  return true;
}

bool CheckShape(std::string_view text, std::string_view path, std::vector<int>* key_lines,
                std::string* err) {
  const size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n');
    *err = At(path, static_cast<int>(line)) + "NUL byte";
    return false;
  }
  int number = 0;
  for (std::string_view line : SplitLines(text)) {
    if (!CheckLine(line, ++number, path, key_lines, err)) return false;
  }
  return true;
}

struct Reader {
  std::string_view path;
  const std::vector<int>* key_lines;
  std::vector<IniSetting>* out;
  size_t calls = 0;
  std::string error;  // the first error, complete with "path:line: "
};

// The inih handler: nonzero to go on, zero to record an error. Called from C,
// so nothing may be thrown through it.
int OnKey(void* user, const char* section, const char* name, const char* value) noexcept {
  auto* reader = static_cast<Reader*>(user);
  const size_t index = reader->calls++;
  const int line = index < reader->key_lines->size() ? (*reader->key_lines)[index] : 0;
  try {
    std::string why;
    const SettingRow* row = FindSettingRow(name);
    const auto earlier = std::find_if(reader->out->begin(), reader->out->end(),
                                      [row](const IniSetting& s) { return s.row == row; });
    if (std::string_view(section) != kSection) {
      why = "key '" + Printable(name) + "' is outside [agent]";
    } else if (row == nullptr) {
      why = "unknown key '" + Printable(name) + "' in [agent]";
    } else if (earlier != reader->out->end()) {
      why = std::string(row->name) + " given twice (first on line " +
            std::to_string(earlier->line) + ")";
    } else {
      reader->out->push_back({line, row, value});
      return 1;
    }
    if (reader->error.empty()) reader->error = At(reader->path, line) + why;
  } catch (...) {
    if (reader->error.empty()) reader->error = At(reader->path, line) + "out of memory";
  }
  return 0;
}

}  // namespace

bool ReadIniSettings(std::string_view text, std::string_view path, std::vector<IniSetting>* out,
                     std::string* err) {
  out->clear();
  std::vector<int> key_lines;
  if (!CheckShape(text, path, &key_lines, err)) return false;
  Reader reader{path, &key_lines, out, 0, ""};
  const std::string terminated(text);  // ini_parse_string wants a C string
  const int rc = ini_parse_string(terminated.c_str(), OnKey, &reader);
  if (!reader.error.empty()) {
    *err = reader.error;
    return false;
  }
  // CheckShape() leaves inih nothing to object to and one call per key line;
  // anything else means the library does not behave as described above.
  if (rc != 0 || reader.calls != key_lines.size()) {
    *err = std::string(path) + ": the INI parser disagrees with the line check (inih " +
           std::to_string(rc) + ", " + std::to_string(reader.calls) + " keys)";
    return false;
  }
  return true;
}

}  // namespace irsa
