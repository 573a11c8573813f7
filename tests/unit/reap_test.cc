// Tests for the reaper's pure pieces: RFC 3339 times, the PodList and EKS
// answers, the stale-pod decision, the credential choice, the EKS client's
// signing, and one round driven through fakes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "aws/eks.h"
#include "base/timestamp.h"
#include "base/url.h"
#include "fakes/capture_sink.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_files.h"
#include "fakes/fake_http.h"
#include "reap/aws_credentials.h"
#include "reap/kube_client.h"
#include "reap/kube_pods.h"
#include "reap/reaper.h"
#include "reap/stale.h"
#include "settings/invocation.h"

namespace irsa {
namespace {

constexpr int64_t kStart = 1796000000;  // the pods' start time

TEST_SUITE("reap") {
  TEST_CASE("reap's settings") {
    Invocation inv;
    std::string err;
    REQUIRE(ParseInvocation({"reap", "--cluster", "my_cluster-1", "--once", "--max-evictions", "3",
                             "--dry-run", "true", "--namespaces", "a,b"},
                            {{"AWS_ENDPOINT_URL_EKS", "http://127.0.0.1:1"}}, "", &inv, &err));
    CHECK(inv.command == Command::kReap);
    CHECK(inv.once);
    CHECK(inv.settings.cluster == "my_cluster-1");
    CHECK(inv.settings.max_evictions == 3);
    CHECK(inv.settings.dry_run);
    CHECK(inv.settings.eks_endpoint == "http://127.0.0.1:1");
    CHECK(inv.settings.reap_interval == 60);
    const struct {
      std::vector<std::string> args;
      const char* err;
    } refused[] = {
        {{"reap"}, "reap needs --cluster (the EKS cluster's name)"},
        {{"reap", "--cluster", "-x"},
         "--cluster: '-x' is not a cluster name (1 to 100 of A-Z a-z 0-9 _ -)"},
        {{"reap", "--cluster", "c", "--max-evictions", "0"},
         "--max-evictions: '0' is not a whole number from 1 to 10000"},
        {{"reap", "--cluster", "c", "--max-evictions", "+5"},
         "--max-evictions: '+5' is not a whole number from 1 to 10000"},
        {{"reap", "--cluster", "c", "--reap-interval", "1"},
         "reap-interval (1) is below 10 seconds"},
        {{"once", "--once"}, "--once is only for reap"},
    };
    for (const auto& c : refused) {
      CAPTURE(c.err);
      CHECK_FALSE(ParseInvocation(c.args, {}, "", &inv, &err));
      CHECK(err == c.err);
    }
  }

  TEST_CASE("ParseRfc3339 on the forms Kubernetes writes status.startTime in") {
    const struct {
      const char* text;
      bool ok;
      int64_t want;
    } cases[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"2026-12-06T02:28:41Z", true, 1796524121},
        {"2026-12-06T02:28:41.123456Z", true, 1796524121},
        {"2026-12-06t02:28:41z", true, 1796524121},
        {"2026-12-06T03:28:41+01:00", true, 1796524121},
        {"2026-12-06T01:28:41-01:00", true, 1796524121},
        {"2024-02-29T00:00:00Z", true, 1709164800},
        {"2025-02-29T00:00:00Z", false, 0},
        {"2026-13-01T00:00:00Z", false, 0},
        {"2026-12-06T24:00:00Z", false, 0},
        {"2026-12-06T02:28:41", false, 0},
        {"2026-12-06 02:28:41Z", false, 0},
        {"2026-12-06T02:28:41.Z", false, 0},
        {"2026-12-06T02:28:41+0100", false, 0},
        {"", false, 0},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      int64_t t = -1;
      std::string err;
      CHECK(ParseRfc3339(c.text, &t, &err) == c.ok);
      if (c.ok) CHECK(t == c.want);
    }
  }

  TEST_CASE("ParsePodListPage: the facts of each pod") {
    const std::string body = R"({"kind":"PodList","metadata":{"continue":"abc="},"items":[
      {"metadata":{"name":"a","namespace":"ns"},
       "spec":{"serviceAccountName":"sa","volumes":[{"name":"t","projected":{"sources":[
         {"serviceAccountToken":{"audience":"pods.eks.amazonaws.com","path":"t"}}]}}]},
       "status":{"phase":"Running","startTime":"2026-12-01T00:00:00Z"}},
      {"metadata":{"name":"b","namespace":"ns","deletionTimestamp":"2026-12-01T00:00:00Z"},
       "spec":{"containers":[{"name":"c","env":[{"name":"AWS_CONTAINER_CREDENTIALS_FULL_URI",
         "value":"http://169.254.170.23/v1/credentials"}]}]},
       "status":{"phase":"Running"}},
      {"metadata":{"name":"c","namespace":"ns"},
       "spec":{"serviceAccountName":"sa","volumes":[{"name":"t","projected":{"sources":[
         {"serviceAccountToken":{"audience":"sts.amazonaws.com","path":"t"}}]}}]},
       "status":{"phase":"Succeeded","startTime":"2026-12-01T00:00:00Z"}}]})";
    std::vector<PodFacts> pods;
    std::string next, err;
    REQUIRE_MESSAGE(ParsePodListPage(body, &pods, &next, &err), err);
    CHECK(next == "abc=");
    REQUIRE(pods.size() == 3);
    CHECK(pods[0].service_account == "sa");
    CHECK(pods[0].pod_identity == "projected token audience pods.eks.amazonaws.com");
    CHECK(pods[0].started);
    CHECK(pods[0].start_time == 1796083200);
    CHECK_FALSE(pods[0].terminating);
    CHECK(pods[1].service_account == "default");
    CHECK(pods[1].pod_identity == "env AWS_CONTAINER_CREDENTIALS_FULL_URI in container c");
    CHECK_FALSE(pods[1].started);
    CHECK(pods[1].terminating);
    CHECK(pods[2].pod_identity.empty());
    CHECK(pods[2].terminating);
  }

  TEST_CASE("ParsePodListPage: what is refused") {
    const struct {
      const char* body;
      const char* err;
    } cases[] = {
        {"not json", "PodList: the answer is not a JSON object"},
        {"[]", "PodList: the answer is not a JSON object"},
        {R"({"kind":"Status"})", "PodList: kind is not PodList"},
        {R"({"kind":"PodList","items":{}})", "PodList: items is not an array"},
        {R"({"kind":"PodList","metadata":{"continue":5}})",
         "PodList: metadata.continue is not a string"},
        {R"({"kind":"PodList","items":[{"metadata":{"name":"a"}}]})",
         "PodList: items[0]: metadata.name or metadata.namespace is missing or not a string"},
        {R"({"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"n"},
             "status":{"startTime":"yesterday"}}]})",
         "PodList: items[0]: status.startTime is not an RFC 3339 time"},
        {R"({"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"n"},
             "spec":{"volumes":{}}}]})",
         "PodList: items[0]: spec.volumes, spec.containers or spec.initContainers is not an "
         "array"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.body);
      std::vector<PodFacts> pods;
      std::string next, err;
      CHECK_FALSE(ParsePodListPage(c.body, &pods, &next, &err));
      CHECK(err == c.err);
    }
  }

  TEST_CASE("EvictionBody is policy/v1") {
    CHECK(
        EvictionBody("ns", "p") ==
        R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p","namespace":"ns"}})");
  }

  TEST_CASE("EKS answers") {
    std::vector<PodIdentityAssociation> list;
    std::string next, err;
    REQUIRE(ParseAssociationsPage(
        R"({"associations":[{"clusterName":"c","namespace":"ns","serviceAccount":"sa",
            "associationArn":"arn:x","associationId":"a-1","ownerArn":null}],"nextToken":"t/+="})",
        &list, &next, &err));
    REQUIRE(list.size() == 1);
    CHECK(next == "t/+=");
    CHECK(list[0].association_id == "a-1");
    CHECK_FALSE(list[0].described);
    REQUIRE(ParseAssociationDetail(
        R"({"association":{"namespace":"ns","serviceAccount":"sa","associationId":"a-1",
            "roleArn":"arn:aws:iam::1:role/r","createdAt":1.7e9,"modifiedAt":1700000100.5}})",
        &list[0], &err));
    CHECK(list[0].described);
    CHECK(list[0].created_at == 1700000000);
    CHECK(list[0].modified_at == 1700000100);

    CHECK_FALSE(
        ParseAssociationsPage(R"({"associations":[{"namespace":"ns"}]})", &list, &next, &err));
    CHECK(err == "EKS list: associations[0].serviceAccount is missing or not a string");
    CHECK_FALSE(ParseAssociationsPage(
        R"({"associations":[{"namespace":"n","serviceAccount":"s","associationId":"../x"}]})",
        &list, &next, &err));
    CHECK(err == "EKS list: associations[0].associationId is malformed");
    CHECK_FALSE(ParseAssociationsPage("{}", &list, &next, &err));
    CHECK(err == "EKS list: associations is missing or not an array");
    PodIdentityAssociation other{"ns", "sa", "a-2", "", false, "", 0, 0};
    CHECK_FALSE(ParseAssociationDetail(
        R"({"association":{"namespace":"ns","serviceAccount":"sa","associationId":"a-1",
            "createdAt":1}})",
        &other, &err));
    CHECK(err ==
          "EKS describe a-2: associationId, namespace or serviceAccount missing or not those "
          "listed");
    other.association_id = "a-1";
    CHECK_FALSE(ParseAssociationDetail(
        R"({"association":{"namespace":"ns","serviceAccount":"sa","associationId":"a-1",
            "createdAt":"2026-01-01"}})",
        &other, &err));
    CHECK(err == "EKS describe a-1: createdAt is missing or not epoch seconds");
  }

  TEST_CASE("ResolveEksEndpoint") {
    EksEndpoint e;
    std::string err;
    REQUIRE(ResolveEksEndpoint("", "us-west-2", &e, &err));
    CHECK(e.base == "https://eks.us-west-2.amazonaws.com");
    CHECK(e.host == "eks.us-west-2.amazonaws.com");
    REQUIRE(ResolveEksEndpoint("", "cn-north-1", &e, &err));
    CHECK(e.host == "eks.cn-north-1.amazonaws.com.cn");
    REQUIRE(ResolveEksEndpoint("http://127.0.0.1:5000/", "us-east-1", &e, &err));
    CHECK(e.base == "http://127.0.0.1:5000");
    CHECK(e.host == "127.0.0.1:5000");
    CHECK_FALSE(ResolveEksEndpoint("https://u:p@eks.example/", "us-east-1", &e, &err));
    CHECK(err ==
          "eks-endpoint https://eks.example/: must be scheme://host[:port] without user info, "
          "path, query or fragment");
    CHECK_FALSE(ResolveEksEndpoint("https://eks.example/x", "us-east-1", &e, &err));
    CHECK_FALSE(ResolveEksEndpoint("http://eks.example", "us-east-1", &e, &err));
    CHECK(err ==
          "eks-endpoint http://eks.example: plain http only to loopback (the session token "
          "travels in a header)");
    CHECK(ResolveEksEndpoint("http://[::1]:8080", "us-east-1", &e, &err));
    CHECK(ResolveEksEndpoint("http://localhost", "us-east-1", &e, &err));
    CHECK_FALSE(ResolveEksEndpoint("", "", &e, &err));
    CHECK(err == "reap needs a region (--region or AWS_REGION) to sign EKS requests");
  }

  TEST_CASE("IsLoopbackAuthority") {
    for (const char* yes : {"127.0.0.1", "127.1.2.3:80", "localhost:8001", "[::1]", "[::1]:443"}) {
      CAPTURE(yes);
      CHECK(IsLoopbackAuthority(yes));
    }
    for (const char* no : {"128.0.0.1", "127.0.0.1.evil.com", "127.0.0", "[::2]", "[::1].x",
                           "localhost.evil.com", "", "10.0.0.1:443"}) {
      CAPTURE(no);
      CHECK_FALSE(IsLoopbackAuthority(no));
    }
  }

  TEST_CASE("ParseNamespaceList") {
    std::vector<std::string> out;
    std::string err;
    REQUIRE(ParseNamespaceList("a, b-2 ,c", &out, &err));
    CHECK(out == std::vector<std::string>{"a", "b-2", "c"});
    CHECK_FALSE(ParseNamespaceList("a,,b", &out, &err));
    CHECK(err == "'' is not a namespace name (1 to 63 of a-z 0-9 -)");
    CHECK_FALSE(ParseNamespaceList("a,A", &out, &err));
    CHECK_FALSE(ParseNamespaceList("a,-b", &out, &err));
    CHECK_FALSE(ParseNamespaceList("a,a", &out, &err));
    CHECK(err == "namespace 'a' is listed twice");
  }

  PodFacts Pod(std::string ns, std::string name, std::string sa, bool identity = true) {
    PodFacts p;
    p.ns = std::move(ns);
    p.name = std::move(name);
    p.service_account = std::move(sa);
    p.pod_identity = identity ? "env X" : "";
    p.started = true;
    p.start_time = kStart;
    return p;
  }

  PodIdentityAssociation Assoc(std::string ns, std::string sa, std::string id, int64_t created,
                               int64_t modified, bool described = true) {
    return {std::move(ns), std::move(sa), std::move(id), "", described, "", created, modified};
  }

  TEST_CASE("FindStalePods: the table") {
    std::vector<PodFacts> pods = {
        Pod("ns", "deleted", "sa-gone"),         // no association: stale
        Pod("ns", "changed", "sa-changed"),      // modified after start: stale
        Pod("ns", "recreated", "sa-recreated"),  // created after start: stale
        Pod("ns", "unchanged", "sa-ok"),         // older association: kept
        Pod("ns", "same-second", "sa-same"),     // modified at the start second: kept
        Pod("ns", "plain", "sa-gone", false),    // no Pod Identity: never
        Pod("other", "elsewhere", "sa-gone"),    // not a selected namespace: never
        Pod("ns", "pending", "sa-gone"),         // not started: never
        Pod("ns", "terminating", "sa-gone"),     // already going: never
        Pod("ns", "unknown", "sa-undescribed"),  // dates unknown: never
    };
    pods[7].started = false;
    pods[8].terminating = true;
    const std::vector<PodIdentityAssociation> associations = {
        Assoc("ns", "sa-changed", "a-changed", kStart - 100, kStart + 5),
        Assoc("ns", "sa-recreated", "a-recreated", kStart + 7, kStart + 7),
        Assoc("ns", "sa-ok", "a-ok", kStart - 100, kStart - 50),
        Assoc("ns", "sa-same", "a-same", kStart - 100, kStart),
        Assoc("ns", "sa-undescribed", "a-u", 0, 0, false),
        Assoc("other", "sa-other", "a-other", 0, 0),
    };
    const std::vector<StalePod> stale = FindStalePods(pods, associations, {"ns"});
    REQUIRE(stale.size() == 3);
    CHECK(stale[0].pod->name == "deleted");
    CHECK(stale[0].association_id.empty());
    CHECK(stale[0].reason == "no Pod Identity association for service account ns/sa-gone any more");
    CHECK(stale[1].pod->name == "changed");
    CHECK(stale[1].association_id == "a-changed");
    CHECK(stale[1].reason ==
          "association a-changed modified at 2026-11-30T00:53:25Z, after the pod started at "
          "2026-11-30T00:53:20Z");
    CHECK(stale[2].pod->name == "recreated");
    CHECK(stale[2].reason.starts_with("association a-recreated created at"));

    // Only associations of accounts running Pod Identity pods use are described.
    const std::vector<size_t> describe = AssociationsToDescribe(pods, associations, {"ns"});
    CHECK(describe == std::vector<size_t>{0, 1, 2, 3, 4});
  }

  TEST_CASE("ChooseCredentialPlace follows the SDKs' order") {
    const Environment keys = {{"AWS_ACCESS_KEY_ID", "AKIA"}, {"AWS_SECRET_ACCESS_KEY", "s"}};
    const Environment web = {{"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/r"},
                             {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}};
    const Environment pod = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1"},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/p"}};
    Environment all = keys;
    all.insert(web.begin(), web.end());
    all.insert(pod.begin(), pod.end());
    CHECK(ChooseCredentialPlace(all).place == CredentialPlace::kEnvironmentKeys);
    Environment web_pod = web;
    web_pod.insert(pod.begin(), pod.end());
    CHECK(ChooseCredentialPlace(web_pod).place == CredentialPlace::kWebIdentity);
    CHECK(ChooseCredentialPlace(pod).place == CredentialPlace::kPodIdentity);
    CHECK(ChooseCredentialPlace({{"AWS_ACCESS_KEY_ID", "AKIA"}}).place == CredentialPlace::kNone);
    CHECK(ChooseCredentialPlace({{"AWS_ROLE_ARN", "x"}}).place == CredentialPlace::kNone);
    CHECK(ChooseCredentialPlace({}).place == CredentialPlace::kNone);
  }

  TEST_CASE("the environment keys provider copies the keys") {
    auto provider = NewEnvironmentKeysProvider(
        {{"AWS_ACCESS_KEY_ID", "AKIA1"}, {"AWS_SECRET_ACCESS_KEY", "secret"}});
    TemporaryCredentials c;
    Failure kind = Failure::kNone;
    std::string err;
    REQUIRE(provider->Get(0, &c, &kind, &err));
    CHECK(c.access_key_id == "AKIA1");
    CHECK(c.secret_access_key == "secret");
    CHECK(c.session_token.empty());
  }

  TEST_CASE("the web identity provider reads the token and reuses the session") {
    FakeFiles files;
    files.content["/t"] = "header.payload.sig\n";
    FakeHttp http;
    http.script.push_back(FakeExchange::Status(
        200,
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
        "<AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>sk</SecretAccessKey>"
        "<SessionToken>st</SessionToken><Expiration>2026-12-06T03:00:00Z</Expiration>"
        "</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
        "</AssumedRoleUser></AssumeRoleWithWebIdentityResult>"
        "</AssumeRoleWithWebIdentityResponse>"));
    std::string err;
    auto provider =
        NewWebIdentityProvider({{"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/reaper"},
                                {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}},
                               "", "us-east-1", 5, files, http, &err);
    REQUIRE_MESSAGE(provider, err);
    TemporaryCredentials c;
    Failure kind = Failure::kNone;
    int64_t now = 0;
    REQUIRE(ParseRfc3339("2026-12-06T02:30:00Z", &now, &err));
    REQUIRE_MESSAGE(provider->Get(now, &c, &kind, &err), err);
    CHECK(c.access_key_id == "ASIA1");
    REQUIRE(http.requests.size() == 1);
    CHECK(http.requests[0].url == "https://sts.us-east-1.amazonaws.com/");
    CHECK(http.requests[0].body.find("RoleSessionName=irsa-agent-reap") != std::string::npos);
    REQUIRE(provider->Get(now + 60, &c, &kind, &err));
    CHECK(http.requests.size() == 1);  // reused
    REQUIRE(provider->Get(now + 26 * 60, &c, &kind, &err));
    CHECK(http.requests.size() == 2);  // within 5 minutes of expiry: renewed
    files.content.erase("/t");
    CHECK_FALSE(provider->Get(now + 3600, &c, &kind, &err));
    CHECK(kind == Failure::kInput);
    CHECK(err == "AWS_WEB_IDENTITY_TOKEN_FILE /t does not exist");
  }

  // A broker seam that counts its fetches.
  class CountingSource : public CredentialSource {
   public:
    int fetches = 0;
    Failure failure = Failure::kNone;
    CredentialFetch Fetch(const CredentialRecipe& recipe) override {
      ++fetches;
      CredentialFetch f;
      f.failure = failure;
      if (failure != Failure::kNone) {
        f.message = "STS refused " + recipe.role_arn;
        return f;
      }
      f.credentials = std::make_unique<TemporaryCredentials>();
      f.credentials->access_key_id = "ASIA" + std::to_string(fetches);
      f.credentials->secret_access_key = "sk";
      f.credentials->session_token = "st";
      f.expires_at = 1000 + 900;
      return f;
    }
  };

  TEST_CASE("the credential-source adapter caches until 5 minutes before expiry") {
    CountingSource source;
    CredentialRecipe recipe;
    recipe.profile = "reaper";
    recipe.role_arn = "arn:aws:iam::111122223333:role/reaper";
    auto provider = NewCredentialSourceProvider(source, recipe);
    TemporaryCredentials c;
    Failure kind = Failure::kNone;
    std::string err;
    REQUIRE(provider->Get(1000, &c, &kind, &err));
    CHECK(c.access_key_id == "ASIA1");
    REQUIRE(provider->Get(1000 + 500, &c, &kind, &err));
    CHECK(source.fetches == 1);
    REQUIRE(provider->Get(1000 + 700, &c, &kind, &err));
    CHECK(source.fetches == 2);
    CHECK(c.access_key_id == "ASIA2");
    source.failure = Failure::kPermanent;
    CHECK_FALSE(provider->Get(1000 + 2000, &c, &kind, &err));
    CHECK(kind == Failure::kPermanent);
    CHECK(err == "STS refused arn:aws:iam::111122223333:role/reaper");
  }

  TEST_CASE("EksClient signs for service eks and classifies answers") {
    FakeHttp http;
    http.script.push_back(FakeExchange::Status(
        200, R"({"associations":[{"namespace":"n","serviceAccount":"s","associationId":"a-1"}],
                "nextToken":"x/y="})"));
    EksClient eks(http, {"http://127.0.0.1:9", "127.0.0.1:9", "us-east-1"}, 5, "");
    TemporaryCredentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    c.session_token = "session";
    std::vector<PodIdentityAssociation> out;
    std::string next;
    const EksResult r = eks.ListPage("c1", "p/q=", 50, c, "20261206T023000Z", &out, &next);
    REQUIRE(r.failure == Failure::kNone);
    CHECK(next == "x/y=");
    REQUIRE(http.requests.size() == 1);
    CHECK(http.requests[0].url ==
          "http://127.0.0.1:9/clusters/c1/"
          "pod-identity-associations?maxResults=50&nextToken=p%2Fq%3D");
    CHECK(http.Header(0, "Host") == "127.0.0.1:9");
    CHECK(http.Header(0, "X-Amz-Security-Token") == "session");
    CHECK(http.Header(0, "Authorization")
              .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/eks/"
                           "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
                           "Signature="));
    http.script.clear();
    http.script.push_back(FakeExchange::Status(429, R"({"message":"Rate exceeded"})"));
    const EksResult throttled = eks.ListPage("c1", "", 50, c, "20261206T023000Z", &out, &next);
    CHECK(throttled.failure == Failure::kTransient);
    CHECK(throttled.message ==
          "EKS GET /clusters/c1/pod-identity-associations answered HTTP 429: Rate exceeded");
    http.script.clear();
    http.script.push_back(FakeExchange::Status(403, "{}"));
    CHECK(eks.ListPage("c1", "", 50, c, "20261206T023000Z", &out, &next).failure ==
          Failure::kPermanent);
    http.script.clear();
    http.script.push_back(FakeExchange::Status(200, "<html>"));
    CHECK(eks.ListPage("c1", "", 50, c, "20261206T023000Z", &out, &next).failure ==
          Failure::kAnswer);
  }

  // One round through fakes: the Kubernetes API and EKS share one FakeHttp,
  // answering in the order the round asks.
  struct RoundFixture {
    FakeFiles files;
    FakeHttp http;
    FakeClock clock;
    CaptureSink sink;
    Logger log{LogLevel::kInfo, LogFormat::kText, &sink, [] { return 0.0; }};
    std::unique_ptr<AwsCredentialProvider> keys = NewEnvironmentKeysProvider(
        {{"AWS_ACCESS_KEY_ID", "AKIA1"}, {"AWS_SECRET_ACCESS_KEY", "secret-key-bytes"}});
    KubeClient kube{http, "https://k", "", 5};
    EksClient eks{http, {"http://e", "e", "us-east-1"}, 5, ""};
    ReapConfig config;
    RoundFixture() {
      files.content["/token"] = "kube-token-bytes\n";
      config.cluster = "c";
      config.namespaces = {"ns"};
      config.kube_token_file = "/token";
      clock.wall = 1796524121;
    }
    RoundResult Round() {
      Reaper reaper(config, files, kube, eks, *keys, clock, log);
      return reaper.Round();
    }
    size_t Posts() const {
      size_t n = 0;
      for (const HttpRequest& r : http.requests) n += r.method == "POST" ? 1 : 0;
      return n;
    }
  };

  const char* kPodPage1 = R"({"kind":"PodList","metadata":{"continue":"2"},"items":[
      {"metadata":{"name":"p1","namespace":"ns"},"spec":{"serviceAccountName":"gone",
       "containers":[{"name":"c","env":[{"name":"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}]}]},
       "status":{"startTime":"2026-12-01T00:00:00Z"}}]})";
  const char* kPodPage2 = R"({"kind":"PodList","metadata":{},"items":[]})";
  const char* kNoAssociations = R"({"associations":[]})";

  TEST_CASE("a round evicts a stale pod, and a failed second page evicts nothing") {
    RoundFixture f;
    f.http.script = {FakeExchange::Status(200, kPodPage1), FakeExchange::Status(200, kPodPage2),
                     FakeExchange::Status(200, kNoAssociations), FakeExchange::Status(201, "{}")};
    RoundResult r = f.Round();
    CHECK(r.failure == Failure::kNone);
    CHECK(r.evicted == 1);
    CHECK(r.kube_requests == 3);
    CHECK(r.eks_requests == 1);
    CHECK(f.Posts() == 1);
    CHECK(f.http.requests[1].url == "https://k/api/v1/namespaces/ns/pods?limit=250&continue=2");
    CHECK(f.http.requests[3].url == "https://k/api/v1/namespaces/ns/pods/p1/eviction");
    CHECK(f.sink.All().find("kube-token-bytes") == std::string::npos);
    CHECK(f.sink.All().find("secret-key-bytes") == std::string::npos);

    RoundFixture g;
    g.http.script = {FakeExchange::Status(200, kPodPage1), FakeExchange::Status(500, "{}")};
    r = g.Round();
    CHECK(r.failure == Failure::kTransient);
    CHECK(r.message.starts_with("listing pods failed (page 2): Kubernetes API GET"));
    CHECK(g.Posts() == 0);

    RoundFixture h;  // an expired continue token: transient, nothing evicted
    h.http.script = {FakeExchange::Status(200, kPodPage1), FakeExchange::Status(410, "{}")};
    CHECK(h.Round().failure == Failure::kTransient);
    CHECK(h.Posts() == 0);
  }

  TEST_CASE("a round without the Kubernetes token or out of time evicts nothing") {
    RoundFixture f;
    f.files.content.erase("/token");
    RoundResult r = f.Round();
    CHECK(r.failure == Failure::kInput);
    CHECK(r.message == "kube-token-file /token does not exist");
    CHECK(f.http.requests.empty());

    RoundFixture g;
    g.config.round_timeout = 0;
    r = g.Round();
    CHECK(r.failure == Failure::kTransient);
    CHECK(g.http.requests.empty());
  }
}

}  // namespace
}  // namespace irsa
