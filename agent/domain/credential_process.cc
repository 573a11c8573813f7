// Single quotes, because every SDK's split understands them: POSIX sh and
// Python's shlex alike, with no character special inside but the quote.
#include "domain/credential_process.h"

#include <algorithm>

#include "base/text.h"
#include "domain/answer.h"
#include "domain/render_pod_identity.h"

namespace irsa {
namespace {

constexpr std::string_view kCommand = "credentials";

bool IsPlain(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '/' || c == ':' ||
         c == '%' || c == '-';
}

void AddOption(std::string_view flag, std::string_view value, std::string* out) {
  if (value.empty()) return;
  out->append(" --");
  out->append(flag);
  out->push_back(' ');
  out->append(ShellQuote(value));
}

// The fields that take a value, by flag name.
std::string* FieldOf(std::string_view flag, ProcessCommand* c) {
  if (flag == "socket") return &c->socket;
  if (flag == "role-arn") return &c->role_arn;
  if (flag == "source-role-arn") return &c->source_role_arn;
  if (flag == "session-name") return &c->session_name;
  if (flag == "region") return &c->region;
  if (flag == "web-identity-token-file") return &c->web_identity_token_file;
  if (flag == "sts-endpoint") return &c->sts_endpoint;
  if (flag == "set-source-identity") return &c->source_identity;
  if (flag == "ca-file") return &c->ca_file;
  if (flag == "base-credentials") return &c->base_credentials;
  return nullptr;
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), IsPlain)) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string FormatCredentialProcess(const ProcessCommand& c) {
  std::string out =
      ShellQuote(c.binary) + " " + std::string(kCommand) + " " + ShellQuote(c.profile);
  AddOption("socket", c.socket, &out);
  AddOption("role-arn", c.role_arn, &out);
  AddOption("source-role-arn", c.source_role_arn, &out);
  AddOption("session-name", c.session_name, &out);
  AddOption("region", c.region, &out);
  AddOption("web-identity-token-file", c.web_identity_token_file, &out);
  AddOption("sts-endpoint", c.sts_endpoint, &out);
  AddOption("set-source-identity", c.source_identity, &out);
  for (const auto& [key, value] : c.tags) AddOption("tag", key + "=" + value, &out);
  AddOption("ca-file", c.ca_file, &out);
  AddOption("base-credentials", c.base_credentials, &out);
  return out;
}

bool SplitCommandLine(std::string_view line, std::vector<std::string>* words, std::string* err) {
  words->clear();
  if (HasControlChar(line)) {
    *err = "credential_process: control character";
    return false;
  }
  std::string word;
  bool in_word = false;
  bool unterminated = false;
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i++];
    if (c == ' ') {
      if (in_word) words->push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const size_t end = line.find('\'', i);
      if (end == std::string_view::npos) {
        unterminated = true;
        break;
      }
      word.append(line.substr(i, end - i));
      i = end + 1;
    } else if (c == '"') {
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word.push_back(line[i++]);
      }
      if (i >= line.size()) {
        unterminated = true;
        break;
      }
      ++i;
    } else if (c == '\\') {
      if (i >= line.size()) {
        *err = "credential_process: trailing backslash";
        return false;
      }
      word.push_back(line[i++]);
    } else {
      word.push_back(c);
    }
  }
  if (unterminated) {
    *err = "credential_process: unterminated quote";
    return false;
  }
  if (in_word) words->push_back(std::move(word));
  return true;
}

bool ParseCredentialProcess(std::string_view line, ProcessCommand* out, std::string* err) {
  std::vector<std::string> words;
  if (!SplitCommandLine(line, &words, err)) return false;
  if (words.size() < 3 || words[1] != kCommand) {
    *err = "credential_process: not `BINARY credentials PROFILE ...`";
    return false;
  }
  ProcessCommand c;
  c.binary = words[0];
  c.profile = words[2];
  for (size_t i = 3; i < words.size(); i += 2) {
    const std::string_view flag = words[i];
    if (!flag.starts_with("--") || i + 1 >= words.size()) {
      *err = "credential_process: expected --OPTION VALUE at '" + Printable(flag) + "'";
      return false;
    }
    const std::string_view name = flag.substr(2);
    const std::string& value = words[i + 1];
    if (name == "tag") {
      const size_t eq = value.find('=');
      if (eq == 0 || eq == std::string::npos) {
        *err = "credential_process: --tag '" + Printable(value) + "' is not KEY=VALUE";
        return false;
      }
      c.tags.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      continue;
    }
    std::string* field = FieldOf(name, &c);
    if (field == nullptr || !field->empty() || value.empty()) {
      *err = "credential_process: unexpected, repeated or empty " + Printable(flag);
      return false;
    }
    *field = value;
  }
  if (c.role_arn.empty() || c.web_identity_token_file.empty()) {
    *err = "credential_process: needs --role-arn and --web-identity-token-file";
    return false;
  }
  *out = std::move(c);
  return true;
}

void ChainEntriesOfProcessProfile(ConfigSection* section) {
  std::string name;
  if (!ProfileNameOfHeader(section->header, &name)) return;
  const auto process =
      std::find_if(section->entries.begin(), section->entries.end(),
                   [](const ConfigEntry& e) { return e.key == "credential_process"; });
  if (process == section->entries.end()) return;
  ProcessCommand command;
  std::string err;
  if (!ParseCredentialProcess(process->value, &command, &err) || command.profile != name) return;
  const int line = process->line;
  std::vector<ConfigEntry> entries;
  if (command.base_credentials == "pod-identity") {
    entries.push_back({"role_arn", command.role_arn, line});
    entries.push_back({"credential_source", std::string(kEcsContainer), line});
  } else if (command.source_role_arn.empty()) {
    entries.push_back({"web_identity_token_file", command.web_identity_token_file, line});
    entries.push_back({"role_arn", command.role_arn, line});
  } else {
    entries.push_back({"source_profile", std::string(kSourcePrefix) + name, line});
    entries.push_back({"role_arn", command.role_arn, line});
  }
  for (ConfigEntry& e : section->entries) {
    if (e.key != "credential_process") entries.push_back(std::move(e));
  }
  section->entries = std::move(entries);
}

}  // namespace irsa
