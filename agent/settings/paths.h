// Where the agent's own files live, derived from the settings: the state file
// and the broker's Unix socket sit beside the config unless told otherwise.
#pragma once

#include <string>
#include <string_view>

namespace irsa {

// The state file's name inside state-dir.
inline constexpr std::string_view kStateFileName = "irsa-agent-state.json";

// The folder of the state file: `state_dir`, or the folder of `config_file`.
std::string StateFilePath(const std::string& state_dir, const std::string& config_file);

// The broker's Unix socket: `socket` when set, else irsa-agent.sock in the
// folder of the state file.
inline constexpr std::string_view kSocketFileName = "irsa-agent.sock";
std::string BrokerSocketPath(const std::string& socket, const std::string& state_dir,
                             const std::string& config_file);

// The credentials listener's token file: `token_file` when set, else
// credentials-token in the folder of `config_file` (not state-dir: the
// user's container reads it where it reads the config).
inline constexpr std::string_view kCredentialsTokenFileName = "credentials-token";
std::string CredentialsTokenPath(const std::string& token_file, const std::string& config_file);

}  // namespace irsa
