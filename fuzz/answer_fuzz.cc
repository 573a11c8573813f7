// ParseMappingAnswer on arbitrary bytes: the mapping service's answer.
//
// Invariants: syntax errors are "answer:LINE: ..." on one line without control
// characters; accepted pairs are valid and their ARNs round-trip; the config
// rendered from them (with and without a region) reads back with
// ParsePublishedConfig as the same pairs with nothing dropped, and without a
// region it is also a valid answer with the same pairs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "answer_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using irsa::fuzz::Check;
  const std::string_view body = irsa::fuzz::AsText(data, size);
  irsa::MappingAnswer answer;
  std::string err;
  if (!irsa::ParseMappingAnswer(body, &answer, &err)) {
    Check(err.starts_with("answer:"), "a syntax error starts with answer:");
    Check(!irsa::HasControlChar(err), "a syntax error is one line");
    return 0;
  }
  irsa::fuzz::CheckAnswer(answer);
  const std::string token = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
  irsa::fuzz::CheckRenderRoundTrip(answer.pairs, {token, ""});
  irsa::fuzz::CheckRenderRoundTrip(answer.pairs, {token, "us-east-1"});

  irsa::MappingAnswer again;
  Check(irsa::ParseMappingAnswer(irsa::RenderConfig(answer.pairs, {token, ""}), &again, &err),
        "a rendered config is a valid answer");
  Check(again.dropped.empty() && irsa::fuzz::SamePairs(answer.pairs, again.pairs),
        "a rendered config is the same answer");
  return 0;
}
