# shellcheck shell=bash
# Source this file (`. scripts/toolchain.sh`) to get the toolchain dla is built with on PATH:
#   - Node >= 22 (vitest 5, tsup 9 and @effect/platform-node 4.1 need it). When the machine's node is older, Node
#     24 LTS comes once from the npm registry package `node-<os>-<arch>` into ~/.cache/dla, so no other host is needed.
#   - pnpm, pinned by `packageManager` in package.json and brought by corepack.
DLA_NODE_VERSION="${DLA_NODE_VERSION:-24.11.1}"

dla_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(dla_node_major)" -lt 22 ]; then
  case "$(uname -s)" in Linux) dla_os=linux ;; Darwin) dla_os=darwin ;; *) echo "dla: unsupported OS $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) dla_arch=x64 ;; aarch64|arm64) dla_arch=arm64 ;; *) echo "dla: unsupported CPU $(uname -m)" >&2; return 1 ;; esac
  dla_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/dla/node-v$DLA_NODE_VERSION-$dla_os-$dla_arch"
  if [ ! -x "$dla_node_dir/bin/node" ]; then
    echo "dla: node $(node --version 2>/dev/null || echo missing) is older than 22; fetching node $DLA_NODE_VERSION from the npm registry" >&2
    dla_tmp="$(mktemp -d)"
    (cd "$dla_tmp" && npm pack --silent "node-$dla_os-$dla_arch@$DLA_NODE_VERSION" >/dev/null && tar xzf ./*.tgz) || { rm -rf "$dla_tmp"; return 1; }
    mkdir -p "$(dirname "$dla_node_dir")" && rm -rf "$dla_node_dir" && mv "$dla_tmp/package" "$dla_node_dir" && rm -rf "$dla_tmp"
  fi
  # Keep the older node's directory on PATH after ours: it carries npm and corepack, which run on whichever node is first.
  export PATH="$dla_node_dir/bin:$PATH"
fi

# This registry copy publishes no corepack signatures; corepack still checks the tarball's integrity hash.
export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$(node -p 'require("./package.json").packageManager.split("@")[1]')" ]; then
  dla_shims="${XDG_CACHE_HOME:-$HOME/.cache}/dla/shims"
  mkdir -p "$dla_shims" && corepack enable --install-directory "$dla_shims" pnpm
  export PATH="$dla_shims:$PATH"
fi
unset dla_os dla_arch dla_node_dir dla_tmp dla_shims
