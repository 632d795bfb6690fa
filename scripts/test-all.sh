#!/usr/bin/env bash
# Every test of the project: the SBF build, Rust (program unit/property tests, integration
# tests on solana-program-test, keeper, simulator) and TypeScript (client).
# Installs what it needs (npm ci) itself. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_LOG="${RUST_LOG:-error}"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== SBF build: scripts/build-sbf.sh -> target/sbf/softliq.so (installs its toolchain once)"
./scripts/build-sbf.sh

echo "== cargo test (workspace; tests/tests/sbf.rs runs softliq.so in the VM)"
cargo test --workspace --locked

echo "== every integration test and the keeper's in-process tests again, the program as SBF in the VM"
# --workspace keeps the features of the run above, so nothing is rebuilt.
SOFTLIQ_SBF=1 cargo test --workspace --locked --test test_all --test in_process

echo "== npm ci && npm test (client incl. LiteSVM on softliq.so and generated = render(IDL); web page in headless Chromium)"
npm ci --no-audit --no-fund
npm test

echo "== IDL regenerated from the program = committed IDL"
cargo run -q -p xtask -- idl --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
