// Helpers shared by the unit tests.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace irsa {

// A random source for tests: hands out the scripted draws in order, then
// `fallback`; counts the calls.
class Draws {
 public:
  explicit Draws(std::vector<double> script = {}, double fallback = 0.5)
      : script_(script.begin(), script.end()), fallback_(fallback) {}
  std::function<double()> Source() {
    return [this] {
      ++calls_;
      if (script_.empty()) return fallback_;
      const double draw = script_.front();
      script_.pop_front();
      return draw;
    };
  }
  void Push(double draw) { script_.push_back(draw); }
  int calls() const { return calls_; }

 private:
  std::deque<double> script_;
  double fallback_;
  int calls_ = 0;
};

// base64url without padding (RFC 4648 section 5), for building test JWTs.
inline std::string Base64Url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    acc = (acc << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

// The bytes of tests/testdata/NAME; fails the test when it cannot be read.
inline std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(IRSA_TESTDATA_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Sets or unsets one environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A fresh folder under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/irsa-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to NAME in the folder; returns its path.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string file = *this / name;
    std::ofstream(file) << content;
    return file;
  }

 private:
  std::string path_;
};

}  // namespace irsa
