// ReadIniSettings: the INI file's text, as inih reads it after the shape check.
//
// Invariants: the shape check and inih never disagree (the "disagrees" error
// is unreachable); errors are "PATH:LINE: ..." (or "PATH: ...") on one line
// without control characters; accepted settings come one per key line, in
// order, each row once, with values inih trimmed; writing them back as a
// canonical file reads back the same settings.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/text.h"
#include "fuzz_check.h"
#include "settings/settings_table.h"

namespace {

using irsa::fuzz::Check;

constexpr std::string_view kPath = "agent.ini";

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void CheckSettings(std::string_view text, const std::vector<irsa::IniSetting>& settings) {
  const std::vector<std::string_view> lines = irsa::SplitLines(text);
  std::set<const irsa::SettingRow*> rows;
  int previous = 0;
  for (const irsa::IniSetting& s : settings) {
    Check(s.row != nullptr, "every setting has a row");
    Check(rows.insert(s.row).second, "no setting is given twice");
    Check(s.line > previous && static_cast<size_t>(s.line) <= lines.size(),
          "settings come in line order, on lines of the file");
    previous = s.line;
    const std::string_view line = lines[static_cast<size_t>(s.line - 1)];
    Check(line.find(s.row->name) != std::string_view::npos, "a setting's line names its key");
    Check(s.value.find('\n') == std::string::npos, "a value is one line");
    Check(s.value.empty() || (!IsBlank(s.value.front()) && !IsBlank(s.value.back())),
          "a value is trimmed");
  }
}

// The settings written back as "[agent]\nname = value" lines read back the same.
void CheckRewrite(const std::vector<irsa::IniSetting>& settings) {
  std::string text = "[agent]\n";
  for (const irsa::IniSetting& s : settings) {
    text += std::string(s.row->name) + " = " + s.value + "\n";
  }
  std::vector<irsa::IniSetting> again;
  std::string err;
  // A value may legitimately make the rewritten line too long or hold " ;":
  // the original line was shorter or had no blank before it.
  if (!irsa::ReadIniSettings(text, kPath, &again, &err)) {
    Check(err.find("longer than") != std::string::npos ||
              err.find("inline comment") != std::string::npos,
          "a canonical rewrite reads back (or is refused for its length or a comment)");
    return;
  }
  Check(again.size() == settings.size(), "a canonical rewrite has the same settings");
  for (size_t i = 0; i < again.size(); ++i) {
    Check(again[i].row == settings[i].row && again[i].value == settings[i].value,
          "a canonical rewrite reads back the same values");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = irsa::fuzz::AsText(data, size);
  std::vector<irsa::IniSetting> settings;
  std::string err;
  if (!irsa::ReadIniSettings(text, kPath, &settings, &err)) {
    Check(err.starts_with(std::string(kPath) + ":"), "an error names the file");
    // "PATH: the INI parser disagrees ..." is the one message without a line.
    Check(!err.starts_with(std::string(kPath) + ": "), "the line check and inih agree");
    Check(!irsa::HasControlChar(err), "an error has no control characters (one line)");
    return 0;
  }
  CheckSettings(text, settings);
  CheckRewrite(settings);
  return 0;
}
