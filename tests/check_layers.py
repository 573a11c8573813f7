#!/usr/bin/env python3
"""Fails, naming file and line, when a layer of agent/ includes a layer above it.

The build already refuses most such includes (each library exports only its own
folder, cmake/layers.cmake); this check states the graph in one table, also
covers headers no library compiles on its own, and gives a readable message.
The layers and what each may call: docs/ARCHITECTURE.md.
"""
import pathlib
import re
import sys

# Layer -> the layers its files may include (itself always allowed). The seams
# in include/irsa_agent/ are allowed everywhere and may include base only.
ALLOWED = {
    "base": set(),
    "settings": {"base"},
    "domain": {"base", "settings"},
    "aws": {"base", "settings", "domain"},
    "doctor": {"base", "settings", "domain", "aws", "mapping"},
    "reap": {"base", "settings", "domain", "aws"},
    "mapping": {"base", "settings", "domain", "aws", "reap"},
    "os": {"base", "settings"},
    "run": {"base", "settings", "domain", "aws", "os"},
    "cmd": {"base", "settings", "domain", "aws", "doctor", "reap", "mapping", "os", "run"},
    "irsa_agent": {"base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"')


def violations(root):
    found = []
    sources = [(p, p.parent.name) for p in (root / "agent").glob("*/*") if p.suffix in (".h", ".cc")]
    sources += [(p, "irsa_agent") for p in (root / "include" / "irsa_agent").glob("*.h")]
    for path, layer in sorted(sources):
        if layer not in ALLOWED:
            found.append(f"{path.relative_to(root)}: folder '{layer}' is not a known layer "
                         "(add it to tests/check_layers.py and docs/ARCHITECTURE.md)")
            continue
        allowed = ALLOWED[layer] | {layer, "irsa_agent"}
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if match and match.group(1) in ALLOWED and match.group(1) not in allowed:
                found.append(f"{path.relative_to(root)}:{number}: layer '{layer}' includes "
                             f"'{match.group(1)}', which it may not call")
    return found


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[1])
    found = violations(root)
    for line in found:
        print("check_layers: " + line, file=sys.stderr)
    if not found:
        print("check_layers: every include follows the layer graph")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
