// Helpers shared by doctor_test.cc and doctor_checks_test.cc.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/doctor.h"
#include "settings/invocation.h"
#include "settings/settings.h"
#include "unit/test_util.h"

namespace irsa {

// 2026-11-23T17:00:00Z.
inline constexpr int64_t kNow = 1795453200;
// A Domino API key's shape: 64 hex digits.
inline constexpr char kApiKey[] =
    "5f0c7a1e9b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";

// `irsa-agent doctor` with `flags` (an endpoint is added unless the flags set
// the mapping source) and `env`; the test fails when they do not parse.
inline Invocation ParseDoctor(std::vector<std::string> flags, const Environment& env = {}) {
  std::vector<std::string> args = {"doctor"};
  const bool has_source = std::find(flags.begin(), flags.end(), "--mapping-file") != flags.end() ||
                          std::find(flags.begin(), flags.end(), "--endpoint") != flags.end();
  if (!has_source) args.insert(args.end(), {"--endpoint", "http://127.0.0.1:1/map"});
  args.insert(args.end(), flags.begin(), flags.end());
  Invocation inv;
  std::string err;
  const bool ok = ParseInvocation(args, env, "", &inv, &err);
  CHECK_MESSAGE(ok, err);
  return inv;
}

// What Files::Read gives, worded as files.h promises.
inline FileRead Read(std::string path, std::string content) {
  return {std::move(path), {}, std::move(content)};
}
inline FileRead Missing(std::string path) {
  return {path, ReadStatus(ReadFailure::kMissing, path + " does not exist"), ""};
}
inline FileRead Error(std::string path, std::string error) {
  return {std::move(path), ReadStatus(ReadFailure::kError, std::move(error)), ""};
}

// An unsigned JWT-shaped token with `claims` (the signature is filler).
inline std::string MakeJwt(const nlohmann::json& claims) {
  return Base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64Url(claims.dump()) + "." +
         Base64Url("signature-bytes-that-nobody-checks");
}

// The value of fact `key` in `check`, or "" when absent.
inline std::string Fact(const Check& check, std::string_view key) {
  for (const CheckFact& fact : check.facts) {
    if (fact.key == key) return fact.value;
  }
  return "";
}

// The text and the JSON rendering together, for "never shows X" assertions.
inline std::string RenderAll(const std::vector<Check>& checks) {
  return RenderDoctorText(checks) + RenderDoctorJson(checks);
}

}  // namespace irsa
