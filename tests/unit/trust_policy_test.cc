// Table tests for the mapping service's trust-policy editor (mapping/trust_policy.h)
// and the GC decision (mapping/pod_view.h): admin entries and statements
// untouched, string-or-list sub values, legacy `*<run id>` entries, other
// namespaces, the length without whitespace.
#include "mapping/trust_policy.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mapping/pod_view.h"

namespace irsa {
namespace {

constexpr const char* kOidc = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
const TrustScope kScope{kOidc, "arn:aws:iam::111122223333:oidc-provider/" + std::string(kOidc),
                        "domino-compute"};

std::string Irsa(const std::string& sub_json) {
  return R"({"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/)" +
         std::string(kOidc) +
         R"("},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{")" + kOidc +
         R"(:sub":)" + sub_json + R"(},"StringEquals":{")" + kOidc +
         R"(:aud":"sts.amazonaws.com"}}})";
}

const std::string kAdmin =
    R"({"Sid":"BreakGlass","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"})";

std::string Doc(const std::vector<std::string>& statements) {
  std::string out = R"({"Version":"2012-10-17","Statement":[)";
  for (size_t i = 0; i < statements.size(); ++i) out += (i ? "," : "") + statements[i];
  return out + "]}";
}

TrustPolicy Parse(const std::string& text) {
  TrustPolicy p;
  std::string err;
  REQUIRE_MESSAGE(TrustPolicy::Parse(text, kScope, &p, &err), err);
  return p;
}

TEST_SUITE("mapping trust policy") {
  TEST_CASE("entries are classified") {
    struct Case {
      const char* value;
      EntryKind kind;
      const char* name;
    };
    const Case cases[] = {
        {"system:serviceaccount:domino-compute:run-1", EntryKind::kSubject, "run-1"},
        {"system:serviceaccount:domino-compute:user-5f1e", EntryKind::kSubject, "user-5f1e"},
        {"system:serviceaccount:domino-compute:admin-*", EntryKind::kForeign, ""},
        {"system:serviceaccount:domino-compute:", EntryKind::kForeign, ""},
        {"system:serviceaccount:other-ns:run-1", EntryKind::kForeign, ""},
        {"system:serviceaccount:domino-computex:run-1", EntryKind::kForeign, ""},
        {"*6527182438a6346046006654", EntryKind::kLegacyRun, "6527182438a6346046006654"},
        {"*6527182438A6346046006654", EntryKind::kForeign, ""},
        {"*6527182438a634604600665", EntryKind::kForeign, ""},
        {"*", EntryKind::kForeign, ""},
        {"system:serviceaccount:*", EntryKind::kForeign, ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.value);
      const Entry e = ClassifyEntry(c.value, "domino-compute");
      CHECK(e.kind == c.kind);
      CHECK(e.name == c.name);
    }
  }

  TEST_CASE("length counts characters without whitespace") {
    CHECK(PolicyLength("{ \"a\" :\n\t\"b c\" }") == 8);
    CHECK(PolicyLength("\"\xc3\xa9\"") == 3);  // é is one character
    const TrustPolicy p = Parse(Doc({Irsa(R"(["x"])")}));
    CHECK(p.Length() == PolicyLength(Doc({Irsa(R"(["x"])")})));
  }

  TEST_CASE("add: to a list, to a string, kept elsewhere") {
    struct Case {
      std::string sub_json;
      std::vector<std::string> want;
    };
    const Case cases[] = {
        {R"(["system:serviceaccount:other-ns:a"])",
         {"system:serviceaccount:other-ns:a", "system:serviceaccount:domino-compute:new"}},
        {R"("system:serviceaccount:other-ns:a")",
         {"system:serviceaccount:other-ns:a", "system:serviceaccount:domino-compute:new"}},
        {R"([])", {"system:serviceaccount:domino-compute:new"}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.sub_json);
      TrustPolicy p = Parse(Doc({kAdmin, Irsa(c.sub_json)}));
      CHECK(p.Add("system:serviceaccount:domino-compute:new"));
      CHECK_FALSE(p.Add("system:serviceaccount:domino-compute:new"));
      CHECK(p.SubValues() == c.want);
      const auto doc = nlohmann::json::parse(p.Serialize());
      CHECK(doc["Statement"][0] == nlohmann::json::parse(kAdmin));
      CHECK(doc["Statement"][1]["Condition"]["StringEquals"][std::string(kOidc) + ":aud"] ==
            "sts.amazonaws.com");
    }
  }

  TEST_CASE("add: no IRSA statement of this provider appends one") {
    const std::string other =
        R"({"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/other"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"other:sub":["x"]}}})";
    TrustPolicy p = Parse(Doc({kAdmin, other}));
    CHECK_FALSE(p.Admits("system:serviceaccount:domino-compute:new"));
    CHECK(p.Add("system:serviceaccount:domino-compute:new"));
    const auto doc = nlohmann::json::parse(p.Serialize());
    REQUIRE(doc["Statement"].size() == 3);
    CHECK(doc["Statement"][0] == nlohmann::json::parse(kAdmin));
    CHECK(doc["Statement"][1] == nlohmann::json::parse(other));
    CHECK(p.Admits("system:serviceaccount:domino-compute:new"));
  }

  TEST_CASE("an exact StringEquals entry admits") {
    const std::string equals =
        R"({"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/)" +
        std::string(kOidc) +
        R"("},"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringEquals":{")" + kOidc +
        R"(:sub":"system:serviceaccount:domino-compute:a"}}})";
    const TrustPolicy p = Parse(Doc({equals}));
    CHECK(p.Admits("system:serviceaccount:domino-compute:a"));
    CHECK(p.SubValues().empty());
  }

  TEST_CASE("remove: only dead managed entries, never the last value") {
    TrustPolicy p = Parse(Doc({kAdmin, Irsa(R"([
      "system:serviceaccount:domino-compute:dead",
      "system:serviceaccount:domino-compute:live",
      "system:serviceaccount:domino-compute:admin-*",
      "system:serviceaccount:other-ns:dead",
      "*6527182438a6346046006654",
      "*6527182438a6346046000001"])")}));
    LiveSet live;
    live.service_accounts = {"live"};
    live.run_ids = {"6527182438a6346046000001"};
    const auto removed = p.RemoveManaged([&](const Entry& e) { return EntryDead(e, live); });
    CHECK(removed == std::vector<std::string>{"system:serviceaccount:domino-compute:dead",
                                              "*6527182438a6346046006654"});
    CHECK(p.SubValues() == std::vector<std::string>{"system:serviceaccount:domino-compute:live",
                                                    "system:serviceaccount:domino-compute:admin-*",
                                                    "system:serviceaccount:other-ns:dead",
                                                    "*6527182438a6346046000001"});
    CHECK(nlohmann::json::parse(p.Serialize())["Statement"][0] == nlohmann::json::parse(kAdmin));

    TrustPolicy last = Parse(Doc({Irsa(R"(["system:serviceaccount:domino-compute:dead"])")}));
    CHECK(last.RemoveManaged([&](const Entry& e) { return EntryDead(e, live); }).empty());
    CHECK(last.SubValues().size() == 1);
  }

  TEST_CASE("a string sub value is never removed (GC edits lists only)") {
    TrustPolicy p = Parse(Doc({Irsa(R"("system:serviceaccount:domino-compute:dead")")}));
    const LiveSet live;
    CHECK(p.RemoveManaged([&](const Entry& e) { return EntryDead(e, live); }).empty());
    CHECK(p.ManagedEntries() == 1);
  }

  TEST_CASE("a legacy entry is alive while its run's pod is") {
    LiveSet live;
    live.service_accounts = {"run-6527182438a6346046006654"};
    CHECK_FALSE(EntryDead({EntryKind::kLegacyRun, "6527182438a6346046006654"}, live));
    CHECK(EntryDead({EntryKind::kLegacyRun, "6527182438a6346046000000"}, live));
    CHECK_FALSE(EntryDead({EntryKind::kForeign, ""}, live));
  }

  TEST_CASE("documents that are not trust policies are refused") {
    struct Case {
      const char* text;
      const char* err;
    };
    const Case cases[] = {
        {"", "trust policy is not a JSON object"},
        {"[]", "trust policy is not a JSON object"},
        {R"({"Version":"2012-10-17"})", "trust policy has no Statement list"},
        {R"({"Statement":"x"})", "trust policy has no Statement list"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      TrustPolicy p;
      std::string err;
      CHECK_FALSE(TrustPolicy::Parse(c.text, kScope, &p, &err));
      CHECK(err == c.err);
    }
  }
}

}  // namespace
}  // namespace irsa
