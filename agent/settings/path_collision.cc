#include "settings/path_collision.h"

#include <algorithm>

#include "settings/paths.h"

namespace irsa {

std::vector<NamedPath> CommandPaths(const Invocation& invocation) {
  const Settings& s = invocation.settings;
  std::vector<NamedPath> paths;
  const bool once_writes = invocation.command == Command::kOnce && !invocation.print;
  const bool run = invocation.command == Command::kRun;
  if (!once_writes && !run) return paths;
  paths.push_back({"aws-config-file", s.aws_config_file, true});
  if (run) paths.push_back({"state file", StateFilePath(s.state_dir, s.aws_config_file), true});
  paths.push_back({"web-identity-token-file", s.ReadPath(s.web_identity_token_file), false});
  paths.push_back({"domino-token-file", s.ReadPath(s.domino_token_file), false});
  paths.push_back({"pod-info-path", s.ReadPath(s.pod_info_path), false});
  if (!s.mapping_file.empty()) {
    paths.push_back({"mapping-file", s.ReadPath(s.mapping_file), false});
  }
  if (!s.ca_file.empty()) paths.push_back({"ca-file", s.ReadPath(s.ca_file), false});
  if (!invocation.config_file.empty()) {
    paths.push_back({"--config", invocation.config_file, false});
  }
  return paths;
}

std::string NormalPath(std::string_view path) {
  const bool absolute = path.starts_with('/');
  std::string out;
  while (!path.empty()) {
    const size_t slash = std::min(path.find('/'), path.size());
    const std::string_view part = path.substr(0, slash);
    path.remove_prefix(std::min(slash + 1, path.size()));
    if (part.empty() || part == ".") continue;
    if (!out.empty()) out.push_back('/');
    out.append(part);
  }
  if (absolute) return "/" + out;
  return out.empty() ? "." : out;
}

bool CheckPathCollisions(const std::vector<NamedPath>& paths,
                         const std::function<PathLayout(const std::string&)>& probe,
                         std::string* err) {
  std::vector<PathLayout> layouts;
  layouts.reserve(paths.size());
  for (const NamedPath& p : paths) layouts.push_back(probe ? probe(p.path) : PathLayout{});
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!paths[i].written) continue;
    for (size_t j = 0; j < paths.size(); ++j) {
      if (i == j || (paths[j].written && j < i)) continue;
      const bool same_name = NormalPath(paths[i].path) == NormalPath(paths[j].path);
      const bool same_file = layouts[i].exists && layouts[j].exists &&
                             layouts[i].device == layouts[j].device &&
                             layouts[i].inode == layouts[j].inode;
      if (!same_name && !same_file) continue;
      *err = paths[i].name + " " + paths[i].path + " is the same file as " + paths[j].name +
             (same_name ? "" : " " + paths[j].path) + ": writing it would destroy " +
             (paths[j].written ? "the other" : "that input");
      return false;
    }
  }
  return true;
}

}  // namespace irsa
