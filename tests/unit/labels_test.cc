// Tests for labels.h: the downward-API labels file and the pod identity.
#include "domain/labels.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace irsa {
namespace {

using namespace std::string_view_literals;

// CONTRACT.md section 2, byte for byte (no trailing newline).
constexpr std::string_view kContractExample =
    "app.kubernetes.io/name=\"run-6527182438a6346046006654\"\n"
    "dominodatalab.com/execution-id=\"6527182438a6346046006654\"\n"
    "dominodatalab.com/irsa-workload-type=\"edge-workload\"\n"
    "dominodatalab.com/workload-type=\"Workspace\"";

TEST_SUITE("labels") {
  TEST_CASE("the CONTRACT.md example") {
    Labels labels;
    std::string err;
    REQUIRE(ParseLabels(kContractExample, &labels, &err));
    CHECK(err.empty());
    const Labels want = {
        {"app.kubernetes.io/name", "run-6527182438a6346046006654"},
        {"dominodatalab.com/execution-id", "6527182438a6346046006654"},
        {"dominodatalab.com/irsa-workload-type", "edge-workload"},
        {"dominodatalab.com/workload-type", "Workspace"},
    };
    CHECK(labels == want);

    PodIdentity id;
    REQUIRE(PodIdentityFromLabels(labels, &id, &err));
    CHECK(id.run_id == "6527182438a6346046006654");
    CHECK(id.workload_type == "edge-workload");
  }

  TEST_CASE("accepted files") {
    struct Case {
      std::string_view name, text;
      Labels want;
    };
    const Case cases[] = {
        {"empty file", "", {}},
        {"one trailing newline", "a=\"1\"\nb=\"2\"\n", {{"a", "1"}, {"b", "2"}}},
        {"empty value", "k=\"\"", {{"k", ""}}},
        {"key characters", "A-z_0.9/x=\"v\"", {{"A-z_0.9/x", "v"}}},
        {"= and spaces in value", "k=\"a=b c\"", {{"k", "a=b c"}}},
        {"simple escapes", R"(k="\a\b\f\n\r\t\v\\\"")", {{"k", "\a\b\f\n\r\t\v\\\""}}},
        {"hex byte escape", R"(k="\x00\x7f\xFF\xfe")", {{"k", std::string("\x00\x7f\xff\xfe", 4)}}},
        {"\\u escape", R"(k="\u00e9\u20AC\ufeff")", {{"k", "\xc3\xa9\xe2\x82\xac\xef\xbb\xbf"}}},
        {"\\U escape", R"(k="\U0001f600\U0010FFFF")", {{"k", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"}}},
        {"raw UTF-8", "k=\"caf\xc3\xa9\"", {{"k", "caf\xc3\xa9"}}},
        {"escaped quote then more", R"(k="say \"hi\" now")", {{"k", "say \"hi\" now"}}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Labels labels = {{"stale", "entry"}};
      std::string err;
      CHECK(ParseLabels(c.text, &labels, &err));
      CHECK(err.empty());
      CHECK(labels == c.want);
    }
  }

  TEST_CASE("rejected files, with their exact messages") {
    struct Case {
      std::string_view text, err;
    };
    const Case cases[] = {
        {"\n", "labels:1: empty line"},
        {"a=\"1\"\n\n", "labels:2: empty line"},
        {"a=\"1\"\n\nb=\"2\"", "labels:2: empty line"},
        {"a=\"1\"\r\nb=\"2\"", "labels:1: carriage return in line"},
        {"a=\"1\"\r", "labels:1: carriage return in line"},
        {"a=\"x\ry\"", "labels:1: carriage return in line"},
        {"a=\"1\"\nnoequals", "labels:2: missing '=' after key"},
        {"=\"v\"", "labels:1: empty key"},
        {"a b=\"v\"", "labels:1: invalid key 'a b'"},
        {"k:x=\"v\"", "labels:1: invalid key 'k:x'"},
        {"\tk=\"v\"", "labels:1: invalid key '\\x09k'"},
        {"k=v", "labels:1: value must be quoted"},
        {"k=", "labels:1: value must be quoted"},
        {"k= \"v\"", "labels:1: value must be quoted"},
        {"k='v'", "labels:1: value must be quoted"},
        {"a=\"1\"\nb=\"2\"\nc=\"unterminated", "labels:3: unterminated quoted value"},
        {"k=\"", "labels:1: unterminated quoted value"},
        {R"(k="ends in backslash\")", "labels:1: unterminated quoted value"},
        {R"(k="v" )", "labels:1: text after closing quote"},
        {R"(k="v"x)", "labels:1: text after closing quote"},
        {R"(k="a"b")", "labels:1: text after closing quote"},
        {"a=\"1\"\nb=\"2\"\nc=\"3\"\nk=\"\\q\"", "labels:4: bad escape '\\q'"},
        {R"(k="\'")", "labels:1: bad escape '\\''"},
        {R"(k="\0")", "labels:1: bad escape '\\0'"},
        {R"(k="\101")", "labels:1: bad escape '\\1'"},
        {R"(k="\x4")", "labels:1: bad escape '\\x4\"'"},
        {R"(k="\xg0")", "labels:1: bad escape '\\xg0'"},
        {R"(k="\u12")", "labels:1: bad escape '\\u12\"'"},
        {R"(k="\u12x4")", "labels:1: bad escape '\\u12x4'"},
        {R"(k="\U0001F60")", "labels:1: bad escape '\\U0001F60\"'"},
        {R"(k="\ud800")", "labels:1: escape '\\ud800' is not a Unicode scalar value"},
        {R"(k="\UDFFF")", "labels:1: bad escape '\\UDFFF\"'"},
        {R"(k="\U0000dfff")", "labels:1: escape '\\U0000dfff' is not a Unicode scalar value"},
        {R"(k="\U00110000")", "labels:1: escape '\\U00110000' is not a Unicode scalar value"},
        {"k=\"\\\xc3\xa9\"", "labels:1: bad escape '\\\\xc3'"},
        {"k=\"tab\there\"", "labels:1: control character in quoted value"},
        {"k=\"nul\0\""sv, "labels:1: control character in quoted value"},
        {"k=\"del\x7f\"", "labels:1: control character in quoted value"},
        {"k=\"\xff\"", "labels:1: invalid UTF-8"},
        {"k=\"\xc0\xaf\"", "labels:1: invalid UTF-8"},
        {"a=\"1\"\nb=\"2\"\nk=\"\xed\xa0\x80\"", "labels:3: invalid UTF-8"},
        {"x=\"1\"\nx=\"2\"", "labels:2: duplicate key 'x'"},
        {"x=\"1\"\ny=\"2\"\nx=\"1\"", "labels:3: duplicate key 'x'"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      const Labels before = {{"untouched", "yes"}};
      Labels labels = before;
      std::string err;
      CHECK_FALSE(ParseLabels(c.text, &labels, &err));
      CHECK(err == c.err);
      CHECK(labels == before);
    }
  }

  TEST_CASE("IsValidRunId") {
    CHECK(IsValidRunId("6527182438a6346046006654"));
    CHECK(IsValidRunId("a"));
    CHECK(IsValidRunId("Run_1.2-x"));
    CHECK(IsValidRunId(std::string(128, 'a')));
    CHECK_FALSE(IsValidRunId(""));
    CHECK_FALSE(IsValidRunId(std::string(129, 'a')));
    CHECK_FALSE(IsValidRunId("a b"));
    CHECK_FALSE(IsValidRunId("a/b"));
    CHECK_FALSE(IsValidRunId("a\"b"));
    CHECK_FALSE(IsValidRunId("a\nb"));
    CHECK_FALSE(IsValidRunId("caf\xc3\xa9"));
  }

  TEST_CASE("IsValidWorkloadType") {
    for (std::string_view ok : {"edge-workload", "cluster-worker", "cluster-master", "x", "a1-"}) {
      CAPTURE(ok);
      CHECK(IsValidWorkloadType(ok));
    }
    CHECK(IsValidWorkloadType(std::string(63, 'a')));
    CHECK_FALSE(IsValidWorkloadType(std::string(64, 'a')));
    for (std::string_view bad : {"", "Edge-Workload", "edge_workload", "edge workload", "a.b"}) {
      CAPTURE(bad);
      CHECK_FALSE(IsValidWorkloadType(bad));
    }
  }

  TEST_CASE("PodIdentityFromLabels: accepted") {
    struct Case {
      std::string_view name;
      Labels labels;
      std::string_view run_id, workload_type;
    };
    const Case cases[] = {
        {"name label only", {{"app.kubernetes.io/name", "run-abc123"}}, "abc123", ""},
        {"prefix removed once, not characters stripped",
         {{"app.kubernetes.io/name", "run-run-nur-"}},
         "run-nur-",
         ""},
        {"name label wins over execution id",
         {{"app.kubernetes.io/name", "run-aaa"}, {"dominodatalab.com/execution-id", "bbb"}},
         "aaa",
         ""},
        {"execution id only", {{"dominodatalab.com/execution-id", "e1"}}, "e1", ""},
        {"name without run- prefix is ignored",
         {{"app.kubernetes.io/name", "jupyter"}, {"dominodatalab.com/execution-id", "e2"}},
         "e2",
         ""},
        {"prefix is case-sensitive",
         {{"app.kubernetes.io/name", "Run-x"}, {"dominodatalab.com/execution-id", "e3"}},
         "e3",
         ""},
        {"workload type",
         {{"dominodatalab.com/execution-id", "e4"},
          {"dominodatalab.com/irsa-workload-type", "cluster-worker"}},
         "e4",
         "cluster-worker"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      PodIdentity id{"stale", "stale", "", ""};
      std::string err;
      REQUIRE(PodIdentityFromLabels(c.labels, &id, &err));
      CHECK(id.run_id == c.run_id);
      CHECK(id.workload_type == c.workload_type);
    }
  }

  TEST_CASE("PodIdentityFromLabels: rejected, with their exact messages") {
    struct Case {
      Labels labels;
      std::string_view err;
    };
    const Case cases[] = {
        {{},
         "labels: no run id: neither app.kubernetes.io/name=\"run-...\" nor "
         "dominodatalab.com/execution-id is set"},
        {{{"app.kubernetes.io/name", "notebook"}, {"dominodatalab.com/workload-type", "Job"}},
         "labels: no run id: neither app.kubernetes.io/name=\"run-...\" nor "
         "dominodatalab.com/execution-id is set"},
        {{{"app.kubernetes.io/name", "run-"}},
         "labels: run id '' from app.kubernetes.io/name is not valid"},
        {{{"app.kubernetes.io/name", "run-a b"}, {"dominodatalab.com/execution-id", "good"}},
         "labels: run id 'a b' from app.kubernetes.io/name is not valid"},
        {{{"dominodatalab.com/execution-id", "x/../y"}},
         "labels: run id 'x/../y' from dominodatalab.com/execution-id is not valid"},
        {{{"dominodatalab.com/execution-id", "a\nb"}},
         "labels: run id 'a\\x0ab' from dominodatalab.com/execution-id is not valid"},
        {{{"dominodatalab.com/execution-id", "e"},
          {"dominodatalab.com/irsa-workload-type", "Edge_Workload"}},
         "labels: dominodatalab.com/irsa-workload-type 'Edge_Workload' is not valid"},
        {{{"dominodatalab.com/execution-id", "e"}, {"dominodatalab.com/irsa-workload-type", ""}},
         "labels: dominodatalab.com/irsa-workload-type '' is not valid"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.err);
      PodIdentity id{"stale", "stale", "", ""};
      std::string err;
      CHECK_FALSE(PodIdentityFromLabels(c.labels, &id, &err));
      CHECK(err == c.err);
      CHECK(id.run_id == "stale");
    }
  }
}

}  // namespace
}  // namespace irsa
