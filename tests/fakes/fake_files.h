// In-memory Files: a map of path -> content, with injectable failures.
#pragma once

#include <map>
#include <string>

#include "irsa_agent/files.h"

namespace irsa {

class FakeFiles : public Files {
 public:
  std::map<std::string, std::string> content;
  std::map<std::string, int> modes;
  std::map<std::string, std::string> read_errors;  // path -> error text (kError)
  std::string publish_error;                       // non-empty: Publish fails with it
  int publishes = 0;                               // successful writes

  // The messages follow the contract in files.h word for word.
  ReadStatus Read(const std::string& path, size_t max_bytes, std::string* out) override {
    if (auto e = read_errors.find(path); e != read_errors.end()) {
      return ReadStatus(ReadFailure::kError, e->second);
    }
    auto it = content.find(path);
    if (it == content.end()) return ReadStatus(ReadFailure::kMissing, path + " does not exist");
    if (it->second.size() > max_bytes) {
      return ReadStatus(ReadFailure::kTooLarge,
                        path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    *out = it->second;
    return {};
  }

  PublishStatus Publish(const std::string& path, std::string_view bytes, int mode,
                        bool* changed) override {
    if (!publish_error.empty()) return {PublishFailure::kError, publish_error};
    auto it = content.find(path);
    *changed = it == content.end() || it->second != bytes;
    if (*changed) {
      content[path] = std::string(bytes);
      modes[path] = mode;
      ++publishes;
    }
    return {};
  }
};

}  // namespace irsa
