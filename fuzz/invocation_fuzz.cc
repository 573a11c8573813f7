// ParseInvocation: the command line, the environment and the INI file text.
//
// Input: one steering byte, then fields separated by NUL. Field 0 is the INI
// text; a field starting with 'E' is an environment entry NAME=VALUE; any
// other field is an argument. The steering byte may also place a secret (the
// api-key setting, from a flag, IRSA_AGENT_API_KEY, DOMINO_USER_API_KEY or the
// INI file), optionally with a control character in it.
//
// Invariants: an error is one line without control characters and never holds
// the secret; accepted settings format to text that parses back to the same
// value (FormatSettingValue / ParseSettingValue round trip) and are
// consistent (min-backoff <= max-backoff).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/text.h"
#include "fuzz_check.h"
#include "settings/invocation.h"
#include "settings/settings.h"
#include "settings/settings_table.h"

namespace {

using irsa::fuzz::Check;

// No input contains this unless the fuzzer copied it from a comparison; such
// inputs skip the secret check (the fuzzer could then have put it anywhere).
constexpr std::string_view kCanary = "Sekr1t-Canary-7f3a";

constexpr size_t kMaxFields = 64;

enum SecretPlace : uint8_t { kNone, kFlag, kAgentEnv, kReferenceEnv, kIniFile, kPlaces };

struct Input {
  std::string ini;
  std::vector<std::string> args;
  irsa::Environment env;
};

Input Split(std::string_view text) {
  Input in;
  size_t field = 0;
  while (field < kMaxFields) {
    const size_t end = std::min(text.find('\0'), text.size());
    const std::string_view part = text.substr(0, end);
    if (field == 0) {
      in.ini = part;
    } else if (part.starts_with('E')) {
      const size_t eq = part.find('=');
      const std::string_view name = part.substr(1, eq == part.npos ? part.npos : eq - 1);
      const std::string_view value = eq == part.npos ? "" : part.substr(eq + 1);
      in.env[std::string(name)] = value;
    } else {
      in.args.emplace_back(part);
    }
    ++field;
    if (end == text.size()) break;
    text.remove_prefix(end + 1);
  }
  return in;
}

void PlaceSecret(SecretPlace place, const std::string& secret, Input* in) {
  switch (place) {
    case kFlag: {
      // Right after the command, so no earlier flag can take it as its value.
      const bool has_command = !in->args.empty() && !in->args[0].starts_with('-');
      in->args.insert(in->args.begin() + (has_command ? 1 : 0), "--api-key=" + secret);
      break;
    }
    case kAgentEnv:
      in->env["IRSA_AGENT_API_KEY"] = secret;
      break;
    case kReferenceEnv:
      in->env["DOMINO_USER_API_KEY"] = secret;
      break;
    case kIniFile:
      in->ini = "[agent]\napi-key = " + secret + "\n" + in->ini;
      break;
    default:
      break;
  }
}

// Every setting formats to text that parses back to the same text.
void CheckFormatRoundTrip(const irsa::Settings& settings) {
  for (const irsa::SettingRow& row : irsa::SettingRows()) {
    const std::string text = irsa::FormatSettingValue(row, settings);
    irsa::Settings copy = settings;
    std::string why;
    Check(irsa::ParseSettingValue(row, text, &copy, &why), "a formatted setting parses");
    Check(irsa::FormatSettingValue(row, copy) == text, "a formatted setting parses to itself");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t steer = irsa::fuzz::TakeByte(&data, &size);
  const std::string_view text = irsa::fuzz::AsText(data, size);
  Input in = Split(text);
  const auto place = static_cast<SecretPlace>((steer & 0x7) % kPlaces);
  const std::string secret = std::string(kCanary) + ((steer & 0x8) != 0 ? "\x01z" : "-tail");
  PlaceSecret(place, secret, &in);

  irsa::Invocation invocation;
  std::string err;
  if (!irsa::ParseInvocation(in.args, in.env, in.ini, &invocation, &err)) {
    Check(!err.empty(), "a failure has a message");
    Check(!irsa::HasControlChar(err), "an error has no control characters (one line)");
    const bool canary_in_input = text.find(kCanary.substr(0, 8)) != std::string_view::npos;
    Check(place == kNone || canary_in_input || err.find(kCanary) == std::string::npos,
          "an error never holds the api key");
    return 0;
  }
  if (invocation.command == irsa::Command::kHelp || invocation.command == irsa::Command::kVersion) {
    return 0;
  }
  const irsa::Settings& s = invocation.settings;
  Check(s.min_backoff <= s.max_backoff, "min-backoff <= max-backoff");
  Check(s.timeout > 0 && s.timeout <= 86400, "timeout in (0, 86400]");
  Check((s.file_mode & ~0666) == 0 && (s.file_mode & 0400) != 0, "file mode within 0666, 0400");
  CheckFormatRoundTrip(s);
  return 0;
}
