// Who is asking: the pure choices (run id, credential) and the API proxy
// fetch, the rules `once`, `run` and `doctor` share.
#include "domain/identity.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fakes/fake_http.h"

namespace irsa {
namespace {

constexpr char kLabels[] = "app.kubernetes.io/name=\"run-6527182438a6346046006654\"";

InputRead Found(std::string path, std::string content) {
  return {std::move(path), {}, std::move(content)};
}
InputRead Failed(std::string path, ReadFailure kind, std::string message) {
  return {std::move(path), ReadStatus(kind, std::move(message)), ""};
}
InputRead Absent(const std::string& path) {
  return Failed(path, ReadFailure::kMissing, path + " does not exist");
}

TEST_SUITE("identity") {
  TEST_CASE("ChooseRunId: the labels file wins; only its absence falls back to run-id") {
    struct Case {
      InputRead labels;
      std::string run_id_setting;
      std::string want_run_id;  // empty: refused with `want_error`
      std::string want_error;
    };
    const Case cases[] = {
        {Found("/l", kLabels), "", "6527182438a6346046006654", ""},
        {Found("/l", kLabels), "other", "6527182438a6346046006654", ""},
        {Absent("/l"), "abc", "abc", ""},
        {Absent("/l"), "", "", "no run id: labels file /l does not exist and run-id is not set"},
        {Failed("/l", ReadFailure::kTooLarge, "/l is larger than 262144 bytes"), "abc", "",
         "labels file /l is larger than 262144 bytes"},
        {Failed("/l", ReadFailure::kError, "/l: Permission denied"), "abc", "",
         "labels file /l: Permission denied"},
        {Found("/l", "a=\"b\"\nbroken"), "abc", "", "/l:2: missing '=' after key"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want_error);
      Settings settings;
      settings.run_id = c.run_id_setting;
      Requester requester;
      const StepStatus chosen = ChooseRunId(settings, c.labels, &requester);
      if (c.want_run_id.empty()) {
        CHECK(chosen.kind() == Failure::kInput);
        CHECK(chosen.message() == c.want_error);
      } else {
        REQUIRE(chosen.ok());
        CHECK(requester.pod.run_id == c.want_run_id);
      }
    }
  }

  TEST_CASE("ChooseCredential: token file, else API proxy, else api-key; no fallback on error") {
    constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
    struct Case {
      InputRead token;
      std::string api_proxy, api_key;
      Credential::Origin want_origin;
      std::string want_error;  // not empty: refused (kInput)
    };
    const Case cases[] = {
        {Found("/t", " tok.en.value\n"), "http://p", kKey, Credential::Origin::kTokenFile, ""},
        {Absent("/t"), "http://p", kKey, Credential::Origin::kApiProxy, ""},
        {Absent("/t"), "", kKey, Credential::Origin::kApiKey, ""},
        {Absent("/t"),
         "",
         "",
         {},
         "no Domino credential: token file /t does not exist and neither api-proxy nor api-key "
         "is set"},
        {Failed("/t", ReadFailure::kError, "/t: Permission denied"),
         "",
         kKey,
         {},
         "Domino token file /t: Permission denied"},
        {Failed("/t", ReadFailure::kTooLarge, "/t is larger than 65536 bytes"),
         "",
         kKey,
         {},
         "Domino token file /t is larger than 65536 bytes"},
        {Found("/t", "\n"), "", kKey, {}, "Domino token file /t is empty"},
        {Found("/t", "caf\xc3\xa9"), "", "", {}, "Domino token file /t holds a non-ASCII byte"},
        {Absent("/t"),
         "",
         "two words",
         {},
         "api-key holds a space or control character inside the token"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want_error);
      Settings settings;
      settings.api_proxy = c.api_proxy;
      settings.api_key = c.api_key;
      Credential credential;
      const StepStatus chosen = ChooseCredential(settings, c.token, &credential);
      if (!c.want_error.empty()) {
        CHECK(chosen.kind() == Failure::kInput);
        CHECK(chosen.message() == c.want_error);
        continue;
      }
      REQUIRE(chosen.ok());
      CHECK(credential.origin == c.want_origin);
      switch (c.want_origin) {
        case Credential::Origin::kTokenFile:
          CHECK(credential.secret == "tok.en.value");
          CHECK(credential.kind == Credential::Kind::kBearer);
          break;
        case Credential::Origin::kApiProxy:
          CHECK(credential.secret.empty());  // FetchProxyToken fills it
          CHECK(credential.source == "api proxy http://p");
          break;
        case Credential::Origin::kApiKey:
          CHECK(credential.secret == kKey);
          CHECK(credential.kind == Credential::Kind::kApiKey);
          break;
      }
    }
  }

  TEST_CASE("FetchProxyToken: failure kinds, and URLs shown without userinfo or query") {
    struct Case {
      FakeExchange answer;
      Failure want;
      std::string message;
    };
    const std::string shown = "http://127.0.0.1:9/base/access-token";
    const Case cases[] = {
        {FakeExchange::Status(200, "tok.en\n"), Failure::kNone, ""},
        {FakeExchange::Status(503), Failure::kTransient,
         "api proxy: GET " + shown + " answered HTTP 503"},
        {FakeExchange::Status(429), Failure::kTransient,
         "api proxy: GET " + shown + " answered HTTP 429"},
        {FakeExchange::Status(401), Failure::kPermanent,
         "api proxy: GET " + shown + " answered HTTP 401"},
        {FakeExchange::Status(200, "a b"), Failure::kInput,
         "api proxy: GET " + shown + " did not answer a token (3 bytes)"},
        {FakeExchange::Fail(HttpFailure::kBadRequest, "GET request URL: bad"), Failure::kInput,
         "api proxy: GET request URL: bad"},
        {FakeExchange::Fail(HttpFailure::kConnect, "GET " + shown + ": refused"),
         Failure::kTransient, "api proxy: GET " + shown + ": refused"},
    };
    Settings settings;
    settings.api_proxy = "http://u:hunter2pw@127.0.0.1:9/base//?X-Amz-Signature=f00d";
    for (const Case& c : cases) {
      CAPTURE(c.message);
      FakeHttp http;
      http.script = {c.answer};
      Credential credential;
      const StepStatus got = FetchProxyToken(settings, http, {}, &credential);
      CHECK(got.kind() == c.want);
      CHECK(got.message() == c.message);
      CHECK(credential.secret == (c.want == Failure::kNone ? "tok.en" : ""));
      REQUIRE(http.requests.size() == 1);
      CHECK(http.requests[0].url == "http://u:hunter2pw@127.0.0.1:9/base/access-token");
      CHECK(http.requests[0].max_response_bytes == kMaxTokenBytes);
    }
  }
}

}  // namespace
}  // namespace irsa
