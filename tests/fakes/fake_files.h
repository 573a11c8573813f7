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

  ReadStatus Read(const std::string& path, size_t max_bytes, std::string* out,
                  std::string* err) override {
    if (auto e = read_errors.find(path); e != read_errors.end()) {
      *err = e->second;
      return ReadStatus::kError;
    }
    auto it = content.find(path);
    if (it == content.end()) return ReadStatus::kMissing;
    if (it->second.size() > max_bytes) return ReadStatus::kTooLarge;
    *out = it->second;
    return ReadStatus::kOk;
  }

  bool Publish(const std::string& path, std::string_view bytes, int mode, bool* changed,
               std::string* err) override {
    if (!publish_error.empty()) {
      *err = publish_error;
      return false;
    }
    auto it = content.find(path);
    *changed = it == content.end() || it->second != bytes;
    if (*changed) {
      content[path] = std::string(bytes);
      modes[path] = mode;
      ++publishes;
    }
    return true;
  }
};

}  // namespace irsa
