# shellcheck shell=bash
# Source this file after `pnpm build` (`. scripts/install-dla.sh`) to type `dla ...` as the docs do, in this shell and
# in every new one:
#   - writes a `dla` launcher into $DLA_BIN_DIR (default ~/.local/bin) that runs this clone's apps/cli/dist/bin.cjs
#     with the Node that is first on PATH now (the toolchain's Node 24 when the machine's is older), so a new shell
#     needs neither the toolchain nor the repository as its working directory;
#   - when that directory is not on PATH, adds it to PATH here and, once, in ~/.bashrc and ~/.zshrc (~/.profile
#     without either), marked with a `# dla:` comment so running this again changes nothing.
# Run it again after moving the clone or changing Node; remove the launcher and the marked line to undo.
dla_bin_dir="${DLA_BIN_DIR:-$HOME/.local/bin}"
dla_repo="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
dla_node="$(command -v node)"
if [ ! -f "$dla_repo/apps/cli/dist/bin.cjs" ]; then
  echo "dla: $dla_repo/apps/cli/dist/bin.cjs is missing: run 'pnpm build' first" >&2
  false
elif [ -z "$dla_node" ]; then
  echo "dla: no node on PATH: source scripts/toolchain.sh first" >&2
  false
else
  mkdir -p "$dla_bin_dir"
  printf '#!/bin/sh\n# Written by %s/scripts/install-dla.sh\nexec "%s" "%s/apps/cli/dist/bin.cjs" "$@"\n' \
    "$dla_repo" "$dla_node" "$dla_repo" >"$dla_bin_dir/dla"
  chmod +x "$dla_bin_dir/dla"
  case ":$PATH:" in
    *":$dla_bin_dir:"*) ;;
    *)
      export PATH="$dla_bin_dir:$PATH"
      dla_line="export PATH=\"$dla_bin_dir:\$PATH\" # dla: the dla launcher (scripts/install-dla.sh)"
      dla_rcs=""
      for dla_rc in "$HOME/.bashrc" "$HOME/.zshrc"; do [ -f "$dla_rc" ] && dla_rcs="$dla_rcs $dla_rc"; done
      [ -n "$dla_rcs" ] || dla_rcs="$HOME/.bashrc $HOME/.profile"
      for dla_rc in $dla_rcs; do
        grep -qF "$dla_line" "$dla_rc" 2>/dev/null || printf '\n%s\n' "$dla_line" >>"$dla_rc"
      done
      ;;
  esac
  echo "dla: installed $dla_bin_dir/dla ($("$dla_bin_dir/dla" --version)); new shells find it on PATH" >&2
fi
dla_status=$?
unset dla_bin_dir dla_repo dla_node dla_line dla_rc dla_rcs
# The status of the install, for `&&` after `. scripts/install-dla.sh` (sourced: no exit, it would close the shell).
(exit "$dla_status") && unset dla_status || { unset dla_status; false; }
