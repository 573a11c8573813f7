// The one HTTP classifier (base/http_failure.h) as a table: every policy in
// use against the same statuses and transport failures, so a disagreement
// between two services is a visible, deliberate row.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/http_failure.h"

namespace irsa {
namespace {

constexpr Failure N = Failure::kNone;
constexpr Failure T = Failure::kTransient;
constexpr Failure P = Failure::kPermanent;
constexpr Failure I = Failure::kInput;
constexpr Failure A = Failure::kAnswer;

struct Policies {
  const char* name;
  HttpPolicy policy;
};

const std::vector<Policies>& AllPolicies() {
  static const std::vector<Policies> all = {{"mapping", MappingServicePolicy()},
                                            {"default", DefaultHttpPolicy()},
                                            {"credential", CredentialHttpPolicy()},
                                            {"kubernetes", KubernetesPolicy()}};
  return all;
}

TEST_SUITE("http_classify") {
  TEST_CASE("statuses: one row per status, one column per policy") {
    struct Row {
      long status;
      Failure mapping, standard, credential, kubernetes;
    };
    const Row rows[] = {
        // status  mapping default credential kubernetes
        {200, N, N, N, N},
        {201, P, P, P, N},
        {204, P, P, P, N},
        {100, P, P, P, P},
        {301, P, P, P, P},
        {302, P, P, P, P},
        {304, P, P, P, P},
        {400, P, P, P, P},
        {401, P, P, P, P},
        {403, P, P, P, P},
        {404, T, P, P, P},  // the mapping service: the pod
                            // may not be running yet
        {405, P, P, P, P},
        {408, T, T, T, T},
        {410, P, P, P, T},  // Kubernetes: an expired continue
                            // token
        {429, T, T, T, T},
        {500, T, T, T, T},
        {502, T, T, T, T},
        {503, T, T, T, T},
        {504, T, T, T, T},
        {599, T, T, T, T},
    };
    for (const Row& row : rows) {
      INFO("HTTP ", row.status);
      CHECK(ClassifyHttpStatus(row.status, MappingServicePolicy()) == row.mapping);
      CHECK(ClassifyHttpStatus(row.status, DefaultHttpPolicy()) == row.standard);
      CHECK(ClassifyHttpStatus(row.status, CredentialHttpPolicy()) == row.credential);
      CHECK(ClassifyHttpStatus(row.status, KubernetesPolicy()) == row.kubernetes);
    }
  }

  TEST_CASE("transport failures: the same for every policy except an unusable answer") {
    struct Row {
      HttpFailure failure;
      Failure mapping, standard, credential, kubernetes;
    };
    const Row rows[] = {
        {HttpFailure::kNone, N, N, N, N},
        {HttpFailure::kBadRequest, I, I, I, I},  // bad URL, CR/LF in a header, CA file
        {HttpFailure::kConnect, T, T, T, T},
        {HttpFailure::kTimeout, T, T, T, T},
        {HttpFailure::kTls, T, T, T, T},
        {HttpFailure::kProtocol, T, T, T, T},
        {HttpFailure::kTooLarge, A, A, T, A},  // the broker retries an unusable answer
    };
    for (const Row& row : rows) {
      INFO("HttpFailure ", static_cast<int>(row.failure));
      CHECK(ClassifyTransport(row.failure, MappingServicePolicy()) == row.mapping);
      CHECK(ClassifyTransport(row.failure, DefaultHttpPolicy()) == row.standard);
      CHECK(ClassifyTransport(row.failure, CredentialHttpPolicy()) == row.credential);
      CHECK(ClassifyTransport(row.failure, KubernetesPolicy()) == row.kubernetes);
    }
  }

  TEST_CASE("a policy's extra transient statuses never turn a success into a failure") {
    for (const Policies& p : AllPolicies()) {
      INFO(p.name);
      CHECK(ClassifyHttpStatus(200, p.policy) == Failure::kNone);
      for (long status : p.policy.also_transient) {
        CHECK(ClassifyHttpStatus(status, p.policy) == Failure::kTransient);
      }
    }
  }
}

}  // namespace
}  // namespace irsa
