// The group commit (mapping/committer.h) against fakes (committer_fakes.h):
// subjects waiting for one role go out in one read-modify-write under the
// lock, each is answered only after the write was read back, a failed write
// or verification fails exactly the waiters concerned, and a full policy is
// garbage-collected before a subject is refused, with nothing over the
// limit ever sent.
#include "mapping/committer.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "committer_fakes.h"
#include "mapping/kube_objects.h"

namespace irsa {
namespace {

constexpr char kOidc[] = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
constexpr char kRoleArn[] = "arn:aws:iam::111122223333:role/proxy-a";
constexpr char kAdminEntry[] = "system:serviceaccount:other:admin-own";

std::string Sa(const std::string& name) { return SubjectFor("domino-compute", name); }

// A document with one IRSA statement holding `subs`, and an administrator's
// own statement that must survive every edit.
std::string Doc(const std::vector<std::string>& subs) {
  std::string list;
  for (const std::string& s : subs) list += (list.empty() ? "\"" : ",\"") + s + "\"";
  return std::string(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)") +
         R"({"Federated":"arn:aws:iam::111122223333:oidc-provider/)" + kOidc +
         R"("},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{")" + kOidc +
         R"(:sub":[)" + list +
         R"(]}}},{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]})";
}

struct World {
  explicit World(size_t limit = 2048)
      : scope{kOidc, "arn:aws:iam::111122223333:oidc-provider/" + std::string(kOidc),
              "domino-compute"},
        iam(lock, scope, limit),
        metrics(limit),
        committer(iam, lock, pods, metrics, Settings(limit), TestWall,
                  [](bool, const std::string&) {}) {
    std::string err;
    REQUIRE(ParseRoleArn(kRoleArn, &role, &err));
    iam.docs["proxy-a"] = Doc({kAdminEntry});
  }
  static CommitSettings Settings(size_t limit) {
    CommitSettings s;
    s.oidc = kOidc;
    s.compute_namespace = "domino-compute";
    s.max_length = limit;
    s.lease_wait = 2;
    return s;
  }
  CommitResult Ensure(const std::string& subject) {
    std::string failed;
    CommitResult r = committer.Ensure({role}, subject, TestWall() + 10, &failed);
    iam.Answered(subject);
    return r;
  }
  // `first` leads alone; its first GetRole is held until every one of `rest`
  // waits in the queue, so they form the next batch. Results by subject.
  std::map<std::string, CommitResult> Group(const std::string& first,
                                            const std::vector<std::string>& rest) {
    iam.on_get = [&](int n) {
      for (int i = 0; n == 1 && i < 10000 && committer.Waiting(role) < rest.size(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    };
    std::map<std::string, CommitResult> results;
    std::mutex m;
    auto run = [&](const std::string& s) {
      CommitResult r = Ensure(s);
      std::lock_guard<std::mutex> l(m);
      results[s] = r;
    };
    std::vector<std::thread> threads;
    threads.emplace_back(run, first);
    for (int i = 0; i < 10000 && iam.gets.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (const std::string& s : rest) threads.emplace_back(run, s);
    for (std::thread& t : threads) t.join();
    iam.on_get = nullptr;
    return results;
  }
  TrustPolicy Now() {
    TrustPolicy p;
    std::string err;
    REQUIRE(TrustPolicy::Parse(iam.docs["proxy-a"], scope, &p, &err));
    return p;
  }

  TrustScope scope;
  FakeLock lock;
  FakePods pods;
  FakeIam iam;
  MappingMetrics metrics;
  TrustCommitter committer;
  RoleArn role;
};

TEST_SUITE("group commit") {
  TEST_CASE("subjects waiting for one role go out in one write, each answered after read-back") {
    World w;
    std::vector<std::string> rest;
    for (int i = 1; i < 8; ++i) rest.push_back(Sa("sa-" + std::to_string(i)));
    const auto results = w.Group(Sa("sa-0"), rest);
    REQUIRE(results.size() == 8);
    for (const auto& [subject, r] : results) {
      CHECK_MESSAGE(r.outcome == CommitOutcome::kVerified, subject, ": ", r.message);
    }
    // The leader's own write, then one read-modify-write for the seven waiters.
    CHECK(w.iam.updates == 2);
    CHECK(w.lock.acquired == 2);
    CHECK(w.lock.released == 2);
    REQUIRE(w.iam.written.size() == 2);
    for (const std::string& s : rest) {
      CHECK(w.iam.written[0].find(s) == std::string::npos);
      CHECK(w.iam.written[1].find(s) != std::string::npos);
    }
    CHECK(w.iam.early_answers == 0);
    CHECK(w.iam.unlocked_writes == 0);
    const TrustPolicy now = w.Now();
    CHECK(now.Admits(kAdminEntry));
    CHECK(now.ManagedEntries() == 8);
    CHECK(w.iam.docs["proxy-a"].find(R"("Sid":"Admin")") != std::string::npos);
  }

  TEST_CASE("a subject already present costs one GetRole: no lease, no write") {
    World w;
    w.iam.docs["proxy-a"] = Doc({kAdminEntry, Sa("here")});
    CHECK(w.Ensure(Sa("here")).outcome == CommitOutcome::kVerified);
    CHECK(w.iam.gets.load() == 1);
    CHECK(w.lock.acquired == 0);
    CHECK(w.iam.updates == 0);
  }

  TEST_CASE("a failed write fails every waiter of its batch; a later try succeeds") {
    World w;
    w.iam.fail_update = 2;  // the batch of the three waiters
    const std::vector<std::string> rest = {Sa("b-1"), Sa("b-2"), Sa("b-3")};
    const auto results = w.Group(Sa("a"), rest);
    CHECK(results.at(Sa("a")).outcome == CommitOutcome::kVerified);
    for (const std::string& s : rest) {
      CHECK(results.at(s).outcome == CommitOutcome::kFailed);
      CHECK(results.at(s).message == "IAM throttled");
      CHECK_FALSE(w.Now().Admits(s));
    }
    CHECK(w.lock.released == w.lock.acquired);
    for (const std::string& s : rest) CHECK(w.Ensure(s).outcome == CommitOutcome::kVerified);
    CHECK(w.Now().ManagedEntries() == 4);
  }

  TEST_CASE("a subject missing from the read-back fails alone") {
    World w;
    w.iam.drop_on_write = "b-2";
    const auto results = w.Group(Sa("a"), {Sa("b-1"), Sa("b-2"), Sa("b-3")});
    CHECK(results.at(Sa("a")).outcome == CommitOutcome::kVerified);
    CHECK(results.at(Sa("b-1")).outcome == CommitOutcome::kVerified);
    CHECK(results.at(Sa("b-3")).outcome == CommitOutcome::kVerified);
    CHECK(results.at(Sa("b-2")).outcome == CommitOutcome::kFailed);
    CHECK(results.at(Sa("b-2")).message == "subject missing from proxy-a after the write");
    CHECK(w.iam.early_answers == 0);
  }

  TEST_CASE("no lease, or a lease held too long: nothing is written") {
    World w;
    w.lock.refuse = true;
    CommitResult r = w.Ensure(Sa("x"));
    CHECK(r.outcome == CommitOutcome::kFailed);
    CHECK(r.message == "lease " + LeaseNameFor(kRoleArn) + ": API server unavailable");
    w.lock.refuse = false;
    w.lock.age = 20;  // past half of its 30 s
    r = w.Ensure(Sa("x"));
    CHECK(r.outcome == CommitOutcome::kFailed);
    CHECK(r.message == "lease of proxy-a ran out");
    CHECK(w.iam.updates == 0);
  }

  TEST_CASE("a full policy: garbage collection makes room before anyone is refused") {
    std::vector<std::string> subs = {kAdminEntry, Sa("live-0"), "*0123456789abcdef01234567"};
    for (int i = 0; i < 5; ++i) subs.push_back(Sa("dead-" + std::to_string(i)));
    const size_t limit = PolicyLength(Doc(subs)) + 10;  // a new subject does not fit
    World w(limit);
    w.iam.docs["proxy-a"] = Doc(subs);
    w.pods.live = {"live-0", "new"};
    const double before = TestWall();
    const CommitResult r = w.Ensure(Sa("new"));
    CHECK_MESSAGE(r.outcome == CommitOutcome::kVerified, r.message);
    CHECK(w.pods.listings == 1);
    CHECK(w.pods.asked_not_before >= before);  // a listing newer than the read
    CHECK(w.iam.updates == 1);
    CHECK(w.iam.over_limit == 0);
    const TrustPolicy now = w.Now();
    CHECK(now.Admits(Sa("new")));
    CHECK(now.Admits(Sa("live-0")));
    CHECK(now.Admits(kAdminEntry));
    CHECK_FALSE(now.Admits(Sa("dead-0")));
    CHECK_FALSE(now.Admits("*0123456789abcdef01234567"));
    CHECK(now.ManagedEntries() == 2);
    CHECK(w.metrics.Render().find("irsa_mapping_gc_removed_total{role=\"proxy-a\"} 6\n") !=
          std::string::npos);
  }

  TEST_CASE("full of live subjects, or GC cannot list pods: refused, nothing sent") {
    std::vector<std::string> subs = {kAdminEntry};
    for (int i = 0; i < 6; ++i) subs.push_back(Sa("live-" + std::to_string(i)));
    const size_t limit = PolicyLength(Doc(subs)) + 10;
    for (const bool listing_fails : {false, true}) {
      CAPTURE(listing_fails);
      World w(limit);
      w.iam.docs["proxy-a"] = Doc(subs);
      for (int i = 0; i < 6; ++i) w.pods.live.insert("live-" + std::to_string(i));
      w.pods.fail = listing_fails;
      const std::string before = w.iam.docs["proxy-a"];
      const CommitResult r = w.Ensure(Sa("one-more"));
      CHECK(r.outcome == CommitOutcome::kFull);
      CHECK(r.message == "trust policy of role proxy-a is full: 6 managed entries, " +
                             std::to_string(PolicyLength(before)) + " of " + std::to_string(limit) +
                             " characters");
      CHECK(w.iam.updates == 0);
      CHECK(w.iam.docs["proxy-a"] == before);
      CHECK(w.metrics.Render().find("irsa_mapping_trust_policy_full_total{role=\"proxy-a\"} 1\n") !=
            std::string::npos);
    }
  }
}

}  // namespace
}  // namespace irsa
