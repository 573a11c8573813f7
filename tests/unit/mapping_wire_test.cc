// Table tests for the mapping service's wire (mapping/wire.h), its Kubernetes
// objects (mapping/kube_objects.h) and IAM's GetRole answer (mapping/iam_client.h).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "mapping/iam_client.h"
#include "mapping/kube_objects.h"
#include "mapping/wire.h"
#include "settings/invocation.h"

namespace irsa {
namespace {

TEST_SUITE("mapping wire") {
  TEST_CASE("mapping-service's settings, with the reference's variable names") {
    Invocation inv;
    std::string err;
    REQUIRE(ParseInvocation({"mapping-service", "--listen", "0.0.0.0:6000"},
                            {{"OIDC_PROVIDER", "oidc.example/id/A"},
                             {"DEFAULT_COMPUTE_NS", "compute"},
                             {"PLATFORM_NS", "platform"},
                             {"DOMINO_USER_HOST", "http://domino:80"},
                             {"AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5000"}},
                            "", &inv, &err));
    CHECK(inv.command == Command::kMappingService);
    CHECK(inv.settings.oidc_provider == "oidc.example/id/A");
    CHECK(inv.settings.compute_namespace == "compute");
    CHECK(inv.settings.platform_namespace == "platform");
    CHECK(inv.settings.domino_api == "http://domino:80");
    CHECK(inv.settings.iam_endpoint == "http://127.0.0.1:5000");
    CHECK(inv.settings.trust_policy_max_length == 2048);
    CHECK_FALSE(ParseInvocation({"mapping-service", "--oidc-provider", "o"}, {}, "", &inv, &err));
    CHECK(err == "mapping-service needs --listen (the reference uses port 6000)");
    CHECK_FALSE(
        ParseInvocation({"mapping-service", "--listen", "127.0.0.1:6000"}, {}, "", &inv, &err));
    CHECK(err == "mapping-service needs --oidc-provider (or OIDC_PROVIDER)");
  }

  TEST_CASE("routes and their methods") {
    std::string allowed;
    CHECK(RouteFor("/map_iam_role_to_pod_sa", &allowed) == MappingRoute::kMap);
    CHECK(allowed == "POST");
    CHECK(RouteFor("/map_org_to_iam_role", &allowed) == MappingRoute::kMapOrg);
    CHECK(allowed == "POST");
    CHECK(RouteFor("/get_my_roles", &allowed) == MappingRoute::kMyRoles);
    CHECK(allowed == "GET");
    CHECK(RouteFor("/healthz", &allowed) == MappingRoute::kHealthz);
    CHECK(RouteFor("/metrics", &allowed) == MappingRoute::kMetrics);
    CHECK(RouteFor("/map_iam_role_to_pod_sa/", &allowed) == MappingRoute::kNotFound);
  }

  TEST_CASE("the map request") {
    struct Case {
      std::string body;
      bool ok;
      std::string want;  // run id or error
    };
    const Case cases[] = {
        {R"({"run_id": "6527182438a6346046006654"})", true, "6527182438a6346046006654"},
        {R"({"run_id": "a_b-C", "irsa_workload_type": "edge-workload"})", true, "a_b-C"},
        {R"({"run_id": ")" + std::string(64, 'x') + R"("})", true, std::string(64, 'x')},
        {R"({"run_id": ")" + std::string(65, 'x') + R"("})", false,
         "run_id must match ^[A-Za-z0-9_-]{1,64}$"},
        {R"({"run_id": "a,b=c"})", false, "run_id must match ^[A-Za-z0-9_-]{1,64}$"},
        {R"({"run_id": ""})", false, "run_id must match ^[A-Za-z0-9_-]{1,64}$"},
        {R"({"run_id": 5})", false, "run_id must match ^[A-Za-z0-9_-]{1,64}$"},
        {R"({"runid": "x"})", false, "run_id is missing"},
        {R"(["run_id"])", false, "request body is not a JSON object"},
        {"{not json", false, "request body is not a JSON object"},
        {"", false, "request body is not a JSON object"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      std::string run_id;
      std::string err;
      CHECK(ParseMapRequest(c.body, &run_id, &err) == c.ok);
      CHECK((c.ok ? run_id : err) == c.want);
    }
  }

  TEST_CASE("the map-org request") {
    std::string org, arn, err;
    CHECK(
        ParseMapOrgRequest(R"({"domino_org":"acme","iam_role":"arn:aws:iam::524112250363:role/r"})",
                           &org, &arn, &err));
    CHECK(org == "acme");
    CHECK(arn == "arn:aws:iam::524112250363:role/r");
    CHECK_FALSE(ParseMapOrgRequest(R"({"domino_org":"acme"})", &org, &arn, &err));
    CHECK(err == "iam_role must be a non-empty string");
    CHECK_FALSE(ParseMapOrgRequest(R"({"domino_org":"acme","iam_role":"nope"})", &org, &arn, &err));
  }

  TEST_CASE("Domino's answers") {
    std::string id, err;
    bool admin = true;
    CHECK(ParsePrincipal(R"({"canonicalId":"5f1e","isAdmin":false})", &id, &admin, &err));
    CHECK(id == "5f1e");
    CHECK_FALSE(admin);
    CHECK_FALSE(ParsePrincipal(R"({"isAdmin":true})", &id, &admin, &err));
    CHECK(err == "Domino principal has no canonicalId");
    std::vector<std::string> names;
    CHECK(
        ParseOrganizations(R"([{"id":"1","name":"a"},{"id":"2"},"x",{"name":"b"}])", &names, &err));
    CHECK(names == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(ParseOrganizations(R"({"name":"a"})", &names, &err));
  }

  TEST_CASE("pairs from the two ConfigMaps; bad entries skipped") {
    const std::map<std::string, std::string> orgs = {
        {"acme", "arn:aws:iam::524112250363:role/acme-list-bucket-role"},
        {"bad", "arn:aws:iam::5241:role/x"},
        {"nomap", "arn:aws:iam::524112250363:role/unmapped"},
        {"dup", "arn:aws:iam::524112250363:role/acme-list-bucket-role"}};
    const std::map<std::string, std::string> roles = {
        {"acme-list-bucket-role", "arn:aws:iam::946429944765:role/acme-list-bucket-role"}};
    std::vector<std::string> skipped;
    const auto pairs =
        PairsFor({"acme", "bad", "nomap", "dup", "notmapped"}, orgs, roles, &skipped);
    REQUIRE(pairs.size() == 1);
    CHECK(pairs[0].profile == "acme-list-bucket-role");
    CHECK(skipped.size() == 2);
    CHECK(skipped[1] == "role mapping has no proxy role for unmapped");
  }

  TEST_CASE("the answer in the reference layout") {
    const std::string want =
        "[profile acme-update-bucket-role]\n"
        "source_profile = src_acme-update-bucket-role\n"
        "role_arn=arn:aws:iam::524112250363:role/acme-update-bucket-role\n"
        "[profile src_acme-update-bucket-role]\n"
        "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
        "role_arn=arn:aws:iam::946429944765:role/acme-update-bucket-role\n"
        "[profile acme-list-bucket-role]\n"
        "source_profile = src_acme-list-bucket-role\n"
        "role_arn=arn:aws:iam::524112250363:role/acme-list-bucket-role\n"
        "[profile src_acme-list-bucket-role]\n"
        "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
        "role_arn=arn:aws:iam::946429944765:role/acme-list-bucket-role";
    CHECK(RenderMappingAnswer(
              {{"acme-update-bucket-role", "arn:aws:iam::524112250363:role/acme-update-bucket-role",
                "arn:aws:iam::946429944765:role/acme-update-bucket-role"},
               {"acme-list-bucket-role", "arn:aws:iam::524112250363:role/acme-list-bucket-role",
                "arn:aws:iam::946429944765:role/acme-list-bucket-role"}}) == want);
    CHECK(RenderMappingAnswer({}).empty());
    CHECK(RenderMyRoles({"a", "b"}, {{"a", "arn:x"}}) == R"({"result":{"a":"arn:x"}})");
  }

  TEST_CASE("pods, ConfigMaps and Leases") {
    std::vector<MappingPod> pods;
    std::string next, err;
    REQUIRE(ParseMappingPods(
        R"({"kind":"PodList","metadata":{"continue":"t2"},"items":[{"metadata":{"name":"p","labels":{"dominodatalab.com/execution-id":"r1","dominodatalab.com/starting-user-id":"u1"}},"spec":{"serviceAccountName":"sa"},"status":{"phase":"Running"}},{"metadata":{"name":"q"},"status":{"phase":"Succeeded"}}]})",
        &pods, &next, &err));
    CHECK(next == "t2");
    REQUIRE(pods.size() == 2);
    CHECK(pods[0].run_id == "r1");
    CHECK(pods[0].starting_user == "u1");
    CHECK(pods[0].Live());
    CHECK(pods[1].service_account == "default");
    CHECK_FALSE(pods[1].Live());
    CHECK_FALSE(ParseMappingPods(R"({"items":[{"metadata":{}}]})", &pods, &next, &err));
    CHECK(err == "PodList: items[0].metadata.name is not a string");

    ConfigMapData cm;
    REQUIRE(ParseConfigMap(R"({"metadata":{"resourceVersion":"7"},"data":{"a":"b"}})", &cm, &err));
    CHECK(cm.resource_version == "7");
    CHECK(cm.data.at("a") == "b");
    CHECK_FALSE(ParseConfigMap(R"({"data":{"a":1}})", &cm, &err));
    std::string put;
    REQUIRE(ConfigMapWithEntry(R"({"metadata":{"resourceVersion":"7"},"data":{"a":"b"}})", "c", "d",
                               &put, &err));
    CHECK(put == R"({"metadata":{"resourceVersion":"7"},"data":{"a":"b","c":"d"}})");

    LeaseState lease;
    REQUIRE(ParseLease(
        R"({"metadata":{"resourceVersion":"9"},"spec":{"holderIdentity":"a","leaseDurationSeconds":30,"renewTime":"2026-12-07T12:00:00.123456Z"}})",
        &lease, &err));
    CHECK(lease.holder == "a");
    CHECK(lease.resource_version == "9");
    const double renewed = static_cast<double>(lease.renew_time);
    CHECK(LeaseTakeable(lease, "a", renewed + 1));
    CHECK_FALSE(LeaseTakeable(lease, "b", renewed + 29));
    CHECK(LeaseTakeable(lease, "b", renewed + 31));  // expired: a crashed holder
    lease.holder.clear();
    CHECK(LeaseTakeable(lease, "b", renewed + 1));
    CHECK(MicroTime(1796000000.25) == "2026-11-30T00:53:20.250000Z");
    CHECK(LeaseNameFor("arn:aws:iam::1:role/A+B").starts_with("irsa-mapping-"));
    CHECK(LeaseNameFor("arn:aws:iam::1:role/A+B").size() == 13 + 16);
  }

  TEST_CASE("GetRole's answer and IAM errors") {
    std::string policy, err;
    REQUIRE(ParseGetRoleAnswer(
        "<GetRoleResponse><GetRoleResult><Role><AssumeRolePolicyDocument>%7B%22a%22%3A%20%22b%22%7D"
        "</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>",
        &policy, &err));
    CHECK(policy == R"({"a": "b"})");
    CHECK_FALSE(ParseGetRoleAnswer("<GetRoleResponse/>", &policy, &err));
    CHECK(err == "GetRole answer has no Role/AssumeRolePolicyDocument");
    std::string code, message;
    ParseIamError(
        "<ErrorResponse><Error><Code>LimitExceeded</Code><Message>too long</Message></Error>"
        "</ErrorResponse>",
        &code, &message);
    CHECK(code == "LimitExceeded");
    CHECK(message == "too long");
    ParseIamError(
        "<?xml version=\"1.0\"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code>"
        "<Message>not authorized to perform: iam:GetRole</Message></Error></Errors>"
        "</ErrorResponse>",
        &code, &message);
    CHECK(code == "AccessDenied");
    CHECK(message == "not authorized to perform: iam:GetRole");
    ParseIamError("<ErrorResponse><Errors/></ErrorResponse>", &code, &message);
    CHECK(code.empty());
    CHECK(message.empty());
  }
}

}  // namespace
}  // namespace irsa
