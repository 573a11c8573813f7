// A LogSink that keeps every line, for assertions.
#pragma once

#include <string>
#include <vector>

#include "base/log.h"

namespace irsa {

class CaptureSink : public LogSink {
 public:
  std::vector<std::string> lines;
  void Emit(std::string_view line) override { lines.emplace_back(line); }

  std::string All() const {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    return out;
  }
};

}  // namespace irsa
