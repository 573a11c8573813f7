// CheckPathCollisions: a written path (the AWS config, the state file) must
// never be an input or the other written path, by name or by device+inode.
#include "settings/path_collision.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace irsa {
namespace {

constexpr char kEndpoint[] = "https://irsa-svc.domino-field/map_iam_roles_to_pod_sa";

Invocation Parse(std::vector<std::string> args) {
  if (std::find(args.begin(), args.end(), "--mapping-file") == args.end()) {
    args.insert(args.end(), {"--endpoint", kEndpoint});
  }
  Invocation inv;
  std::string err;
  REQUIRE_MESSAGE(ParseInvocation(args, {}, "", &inv, &err), err);
  return inv;
}

// The error of CheckPathCollisions, "" when it passes. `files` maps a path to
// its (device, inode); paths not in it do not exist.
std::string Collision(const std::vector<std::string>& args,
                      const std::map<std::string, unsigned long long>& files = {}) {
  const auto probe = [&files](const std::string& path) {
    PathLayout layout;
    const auto it = files.find(path);
    if (it != files.end()) {
      layout.exists = true;
      layout.device = 1;
      layout.inode = it->second;
    }
    return layout;
  };
  std::string err;
  return CheckPathCollisions(CommandPaths(Parse(args)), probe, &err) ? "" : err;
}

TEST_SUITE("path collisions") {
  TEST_CASE("NormalPath") {
    CHECK(NormalPath("/a//b/./c/") == "/a/b/c");
    CHECK(NormalPath("/a/b/.") == "/a/b");
    CHECK(NormalPath("a/../b") == "a/../b");
    CHECK(NormalPath("//") == "/");
    CHECK(NormalPath("./") == ".");
  }

  TEST_CASE("the config or the state file equal to an input is refused") {
    const std::string t = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
    CHECK(Collision({"once", "--aws-config-file", t}) ==
          "aws-config-file " + t +
              " is the same file as web-identity-token-file: writing it would destroy that input");
    CHECK(Collision({"once", "--aws-config-file", "/x//labels", "--pod-info-path", "/x/labels"}) ==
          "aws-config-file /x//labels is the same file as pod-info-path: writing it would "
          "destroy that input");
    CHECK(Collision({"run", "--aws-config-file", "/d/t", "--domino-token-file", "/d/./t"}) ==
          "aws-config-file /d/t is the same file as domino-token-file: writing it would destroy "
          "that input");
    CHECK(Collision({"once", "--aws-config-file", "/m.conf", "--mapping-file", "/m.conf"})
              .starts_with("aws-config-file /m.conf is the same file as mapping-file"));
    CHECK(Collision({"once", "--aws-config-file", "/ca.pem", "--ca-file", "/ca.pem"})
              .starts_with("aws-config-file /ca.pem is the same file as ca-file"));
    // The state file lives beside the config unless state-dir says otherwise.
    CHECK(Collision({"run", "--aws-config-file", "/s/irsa-agent-state.json"}) ==
          "aws-config-file /s/irsa-agent-state.json is the same file as state file: writing it "
          "would destroy the other");
    CHECK(Collision({"run", "--state-dir", "/podinfo", "--pod-info-path",
                     "/podinfo/irsa-agent-state.json"})
              .starts_with("state file /podinfo/irsa-agent-state.json is the same file as "
                           "pod-info-path"));
  }

  TEST_CASE("root-path is in front of the inputs, not of the config") {
    CHECK(Collision({"once", "--root-path", "/r", "--aws-config-file", "/x/labels",
                     "--pod-info-path", "/x/labels"}) == "");
    CHECK(Collision({"once", "--root-path", "/r", "--aws-config-file", "/r/x/labels",
                     "--pod-info-path", "/x/labels"})
              .starts_with("aws-config-file /r/x/labels is the same file as pod-info-path"));
  }

  TEST_CASE("the same file under another name (a hard link, a symlinked folder)") {
    CHECK(Collision({"once", "--aws-config-file", "/a/config", "--pod-info-path", "/b/labels"},
                    {{"/a/config", 7}, {"/b/labels", 7}}) ==
          "aws-config-file /a/config is the same file as pod-info-path /b/labels: writing it "
          "would destroy that input");
    CHECK(Collision({"once", "--aws-config-file", "/a/config", "--pod-info-path", "/b/labels"},
                    {{"/a/config", 7}, {"/b/labels", 8}}) == "");
  }

  TEST_CASE("commands that write nothing are not checked") {
    const std::string t = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
    CHECK(Collision({"once", "--print", "--aws-config-file", t}) == "");
    CHECK(Collision({"status", "--aws-config-file", t}) == "");
    CHECK(Collision({"doctor", "--aws-config-file", t}) == "");
    CHECK(Collision({"once"}) == "");  // the defaults never collide
    CHECK(Collision({"run"}) == "");
  }
}

}  // namespace
}  // namespace irsa
