// Paths that must never be the same file: what a command writes (the AWS
// config, the state file) and what it reads (tokens, labels, mapping file, CA
// file, INI file). A config path equal to the token's would overwrite the
// token; one equal to the state file's would be overwritten by the state.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "irsa_agent/path_probe.h"
#include "settings/invocation.h"

namespace irsa {

struct NamedPath {
  std::string name;  // the setting ("aws-config-file") or "state file"
  std::string path;  // as the agent opens it (root-path in front of read paths)
  bool written = false;
};

// The paths `invocation`'s command reads and writes, written ones first. Empty
// for commands that write nothing (status, doctor, profiles, once --print, ...).
std::vector<NamedPath> CommandPaths(const Invocation& invocation);

// `path` with empty and "." components dropped ("a//b/./c/" is "a/b/c"). ".."
// and symlinks are left alone (the probe below sees through them).
std::string NormalPath(std::string_view path);

// Fails when a written path names the same file as any other path: equal
// after NormalPath, or, where both exist, the same device and inode according
// to `probe`. `*err` names both settings and the path.
bool CheckPathCollisions(const std::vector<NamedPath>& paths,
                         const std::function<PathLayout(const std::string&)>& probe,
                         std::string* err);

}  // namespace irsa
