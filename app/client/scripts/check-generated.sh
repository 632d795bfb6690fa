#!/usr/bin/env bash
# CI check: regenerating the IDL and the client yields no diff.
#
#   app/client/scripts/check-generated.sh                  # IDL from the program (Rust, ~5 min cold) + client
#   app/client/scripts/check-generated.sh --skip-idl       # client from the committed IDL only (seconds)
#   app/client/scripts/check-generated.sh --no-unit-tests  # build the IDL from a copy without #[cfg(test)] items
#
# Builds both into a temporary directory and diffs them against the committed
# app/client/idl/softliq.json and app/client/src/generated/. Fix a diff with
#   cargo run -p xtask -- idl && npm run generate
# and commit both. (`npm test` runs the client half; `cargo run -p xtask -- idl --check`
# is the IDL half on its own.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

skip_idl=0
xtask_args=()
for arg in "$@"; do
    case "$arg" in
        --skip-idl) skip_idl=1 ;;
        --no-unit-tests) xtask_args+=(--no-unit-tests) ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0

idl="app/client/idl/softliq.json"
if [ "$skip_idl" = 0 ]; then
    echo "== IDL: cargo run -p xtask -- idl --out $tmp/softliq.json ${xtask_args[*]:-}"
    cargo run -q -p xtask -- idl --out "$tmp/softliq.json" "${xtask_args[@]}"
    if ! diff -u "$idl" "$tmp/softliq.json"; then
        echo "IDL differs from the committed $idl" >&2
        status=1
    fi
    idl="$tmp/softliq.json"
fi

echo "== client: Codama from $idl"
(cd app/client && npx tsx scripts/generate.ts "$(cd "$root" && realpath "$idl")" "$tmp/generated")
if ! diff -ru app/client/src/generated "$tmp/generated"; then
    echo "generated client differs from the committed app/client/src/generated/" >&2
    status=1
fi

if [ "$status" = 0 ]; then
    echo "generated IDL and client are up to date"
else
    echo "run: cargo run -p xtask -- idl && npm run generate, then commit idl/ and src/generated/" >&2
fi
exit "$status"
