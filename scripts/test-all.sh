#!/usr/bin/env bash
# Every test of the project: Rust (program unit/property tests, integration
# tests on solana-program-test, keeper, simulator) and TypeScript (client).
# Installs what it needs (npm ci) itself. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_LOG="${RUST_LOG:-error}"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo test (workspace)"
cargo test --workspace --locked

echo "== npm ci && npm test (includes: generated client = render(committed IDL))"
npm ci --no-audit --no-fund
npm test

echo "== IDL regenerated from the program = committed IDL"
cargo run -q -p xtask -- idl --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
