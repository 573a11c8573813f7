#include "settings/paths.h"

namespace irsa {

std::string StateFilePath(const std::string& state_dir, const std::string& config_file) {
  std::string dir = state_dir;
  if (dir.empty()) {
    const size_t slash = config_file.rfind('/');
    dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : config_file.substr(0, slash));
  }
  if (dir.back() != '/') dir += '/';
  return dir + std::string(kStateFileName);
}

std::string BrokerSocketPath(const std::string& socket, const std::string& state_dir,
                             const std::string& config_file) {
  if (!socket.empty()) return socket;
  const std::string state = StateFilePath(state_dir, config_file);
  return state.substr(0, state.size() - kStateFileName.size()) + std::string(kSocketFileName);
}

std::string CredentialsTokenPath(const std::string& token_file, const std::string& config_file) {
  if (!token_file.empty()) return token_file;
  const std::string state = StateFilePath("", config_file);
  return state.substr(0, state.size() - kStateFileName.size()) +
         std::string(kCredentialsTokenFileName);
}

}  // namespace irsa
