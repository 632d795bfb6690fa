#!/usr/bin/env bash
# Builds the program for SBF (target/sbf/softliq.so) from registry packages
# only: Debian's Rust with a BPF std, LLVM 23 from PyPI, sbpf-linker from
# crates.io, each pinned, each patched by the small diffs in scripts/sbf/patches.
# Users with the Solana tools use `anchor build` instead; this is the path on
# machines where `cargo build-sbf` cannot be downloaded (docs/sbf.md).
#
# Idempotent: every step checks a stamp and is skipped when done, so a warm
# machine only rebuilds the program. When a registry no longer serves a pinned
# version the step stops and names the package and version.
#
#   scripts/build-sbf.sh            # tools (first time) + program
#   scripts/build-sbf.sh --tools    # tools only
#
# Tools live in $SOFTLIQ_SBF_HOME (default ~/.cache/softliq-sbf), outside the
# repository; the build itself in target/sbf-build.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SBF_DIR="$ROOT/scripts/sbf"
TOOLS="${SOFTLIQ_SBF_HOME:-$HOME/.cache/softliq-sbf}"
mkdir -p "$TOOLS"

# ---- pins -----------------------------------------------------------------
DEB_RUST_VERSION="1.96.0+dfsg1-1~deb12u2"
DEB_RUST_PACKAGES=(rustc-web cargo-web libstd-rust-web-dev-bpf rust-web-src)
LLVM_PIP=("mlc-llvm-static==23.1.1.post0" "mlc-llvm-static-extra-targets==23.1.1.post0")
SBPF_LINKER_VERSION="0.2.6"
BPF_LINKER_VERSION="0.13.0"
SOLANA_BUILTINS_VERSION="0.3.0"
# sha256 of each .crate archive, as crates.io served it when pinned
declare -A CRATE_SHA256=(
    [bpf-linker-0.13.0]=998bea250d009a4719ed16ab6d772d519b77b031a0261e69223a35013972594b
    [sbpf-linker-0.2.6]=fb77b853725e5cc2455815109cadb110ecb62965dac9e91511a0531c9ea61f22
    [solana-compiler-builtins-0.3.0]=bf13f89e67fce1ee57bd4e03b49ef0deeaf57a19b9ba0f33c0180a3569b0385c
)

say() { printf '== build-sbf: %s\n' "$*" >&2; }
die() { printf 'build-sbf: error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# ---- 1. Debian's Rust 1.96 with the bpfel std -----------------------------
install_debian_rust() {
    local want_all=1 p v
    for p in "${DEB_RUST_PACKAGES[@]}"; do
        v="$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)"
        [ "$v" = "$DEB_RUST_VERSION" ] || want_all=0
    done
    [ "$want_all" = 1 ] && return 0
    say "apt: ${DEB_RUST_PACKAGES[*]} = $DEB_RUST_VERSION"
    as_root apt-get update -qq >/dev/null 2>&1 || true
    local args=()
    for p in "${DEB_RUST_PACKAGES[@]}"; do
        if ! apt-cache madison "$p" 2>/dev/null | grep -q " $DEB_RUST_VERSION "; then
            die "Debian no longer serves $p=$DEB_RUST_VERSION (apt-cache madison $p lists: $(apt-cache madison "$p" 2>/dev/null | awk '{print $3}' | tr '\n' ' ')). Update DEB_RUST_VERSION in scripts/build-sbf.sh and re-check scripts/sbf/patches/rust-std-solana.diff against the new rust-web-src."
        fi
        args+=("$p=$DEB_RUST_VERSION")
    done
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${args[@]}" >/dev/null \
        || die "apt-get install ${args[*]} failed"
}

# ---- 2. LLVM 23 (static, BPF target) from PyPI -----------------------------
install_llvm() {
    local venv="$TOOLS/venv"
    if [ ! -f "$TOOLS/llvm.stamp" ]; then
        say "pip: ${LLVM_PIP[*]}"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check "${LLVM_PIP[@]}" \
            || die "PyPI did not serve ${LLVM_PIP[*]} (pinned in scripts/build-sbf.sh)"
        touch "$TOOLS/llvm.stamp"
    fi
    LLVM_PREFIX="$("$venv/bin/python" -m mlc_llvm_static.config --prefix)"
    [ -x "$LLVM_PREFIX/bin/llvm-config" ] || die "no llvm-config under $LLVM_PREFIX"
    export LLVM_PREFIX
}

# crate source from crates.io, unpacked into $TOOLS/src/NAME-VERSION (pristine)
crate_source() {
    local name="$1" version="$2"
    local dst="$TOOLS/src/$name-$version"
    if [ ! -d "$dst" ]; then
        mkdir -p "$TOOLS/src"
        local tmp="$TOOLS/src/.dl-$name"
        rm -rf "$tmp" && mkdir -p "$tmp"
        curl -sSfL "https://static.crates.io/crates/$name/$name-$version.crate" -o "$tmp/c.tar.gz" \
            || die "crates.io did not serve $name $version (pinned in scripts/build-sbf.sh)"
        local got; got="$(sha256sum "$tmp/c.tar.gz" | cut -d' ' -f1)"
        [ "$got" = "${CRATE_SHA256[$name-$version]:-}" ] \
            || die "$name $version from crates.io has sha256 $got, not the pinned ${CRATE_SHA256[$name-$version]:-?}"
        tar -xzf "$tmp/c.tar.gz" -C "$TOOLS/src" || die "bad archive for $name $version"
        rm -rf "$tmp"
    fi
    printf '%s' "$dst"
}

# a patched copy of a crate source: $TOOLS/patched/NAME
patched_crate() {
    local name="$1" version="$2" patch="$3"
    local dst="$TOOLS/patched/$name"
    local stamp="$dst/.softliq-patch"
    local want; want="$version $(sha256sum "$patch" | cut -c1-16)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        local src; src="$(crate_source "$name" "$version")"
        rm -rf "$dst" && mkdir -p "$TOOLS/patched" && cp -r "$src" "$dst"
        (cd "$dst" && patch -s -p1 <"$patch") || die "patch $patch does not apply to $name $version"
        printf '%s' "$want" >"$stamp"
    fi
    printf '%s' "$dst"
}

# ---- 3. sbpf-linker on a patched bpf-linker (lower-atomic pass) ------------
# Two patches: bpf-linker lowers std's atomics (SBPF has none); sbpf-linker
# places outgoing stack arguments past SBPF v0's frame gap (docs/sbf.md).
install_linker() {
    local bin="$TOOLS/linker/bin/sbpf-linker"
    local p1="$SBF_DIR/patches/bpf-linker-lower-atomic.diff"
    local p2="$SBF_DIR/patches/sbpf-linker-v0-frame-gaps.diff"
    local want="$SBPF_LINKER_VERSION/$BPF_LINKER_VERSION/$(cat "$p1" "$p2" | sha256sum | cut -c1-16)"
    if [ -x "$bin" ] && [ "$(cat "$TOOLS/linker.stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    local bpf; bpf="$(patched_crate bpf-linker "$BPF_LINKER_VERSION" "$p1")"
    local sbpf; sbpf="$(crate_source sbpf-linker "$SBPF_LINKER_VERSION")"
    local work="$TOOLS/patched/sbpf-linker"
    rm -rf "$work" && cp -r "$sbpf" "$work"
    (cd "$work" && patch -s -p1 <"$p2") || die "patch $p2 does not apply to sbpf-linker $SBPF_LINKER_VERSION"
    # The crate pins a nightly for its own development; build it with the
    # machine's stable toolchain as `cargo install sbpf-linker` would.
    rm -f "$work/rust-toolchain" "$work/rust-toolchain.toml"
    # Point sbpf-linker at the patched bpf-linker.
    printf '\n[patch.crates-io]\nbpf-linker = { path = "%s" }\n' "$bpf" >>"$work/Cargo.toml"
    say "cargo install sbpf-linker $SBPF_LINKER_VERSION (bpf-linker $BPF_LINKER_VERSION patched; 3-10 min)"
    (
        cd "$work"
        # Fold the patch into the crate's own Cargo.lock (nothing else moves),
        # then install exactly that lock.
        cargo fetch -q &&
        PATH="$LLVM_PREFIX/bin:$PATH" LLVM_PREFIX="$LLVM_PREFIX" ZLIB_PATH="$LLVM_PREFIX/lib" \
            LIBZSTD_PATH="$LLVM_PREFIX/lib" CARGO_TARGET_DIR="$TOOLS/linker-build" \
            cargo install --path . --root "$TOOLS/linker" --locked --force --no-default-features \
            --features bpf-linker/llvm-23,bpf-linker/llvm-link-static
    ) || die "cargo install of sbpf-linker $SBPF_LINKER_VERSION failed"
    printf '%s' "$want" >"$TOOLS/linker.stamp"
    # cargo does not notice a new linker: relink the program.
    rm -rf "$ROOT"/target/sbf-build/sbpf-solana-solana/release/.fingerprint/softliq-*
}

# ---- 4. std sources patched for target_os = "solana" ------------------------
prepare_std() {
    local dst="$TOOLS/rust-src"
    local want="$DEB_RUST_VERSION $(sha256sum "$SBF_DIR/patches/rust-std-solana.diff" | cut -c1-16)"
    if [ "$(cat "$dst/.softliq-patch" 2>/dev/null)" != "$want" ]; then
        local std_toml
        std_toml="$(dpkg -L rust-web-src | grep -m1 -E '^/usr/src/rustc-[^/]+/library/std/Cargo.toml$' || true)"
        [ -n "$std_toml" ] || die "rust-web-src installed but its library/std was not found (dpkg -L rust-web-src)"
        local src; src="$(dirname "$(dirname "$(dirname "$std_toml")")")"
        say "std copy from $src, patched"
        rm -rf "$dst" && mkdir -p "$dst" && cp -rL "$src/library" "$dst/library"
        (cd "$dst" && patch -s -p1 <"$SBF_DIR/patches/rust-std-solana.diff") \
            || die "scripts/sbf/patches/rust-std-solana.diff does not apply to rust-web-src $DEB_RUST_VERSION"
        printf '%s' "$want" >"$dst/.softliq-patch"
        # cargo does not notice a changed std source: start the build clean.
        rm -rf "$ROOT/target/sbf-build"
    fi
    STD_SRC="$dst/library"
}

install_debian_rust
install_llvm
install_linker
prepare_std
BUILTINS="$(patched_crate solana-compiler-builtins "$SOLANA_BUILTINS_VERSION" "$SBF_DIR/patches/solana-compiler-builtins-u128.diff")"
[ "${1:-}" = "--tools" ] && { say "tools ready in $TOOLS"; exit 0; }

# ---- 5. the program ---------------------------------------------------------
say "cargo build (sbpf-solana-solana, release)"
# The patched builtins crate replaces the registry one for this build only;
# Cargo.lock is restored afterwards so host builds stay --locked.
cp Cargo.lock target/.Cargo.lock.sbf-backup 2>/dev/null || { mkdir -p target && cp Cargo.lock target/.Cargo.lock.sbf-backup; }
restore_lock() { cp target/.Cargo.lock.sbf-backup Cargo.lock; }
trap restore_lock EXIT
(
    cd programs/softliq
    PATH="$TOOLS/linker/bin:$LLVM_PREFIX/bin:$PATH" \
    RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$STD_SRC" RUSTC=/usr/bin/rustc \
    CARGO_TARGET_DIR="$ROOT/target/sbf-build" \
        /usr/bin/cargo build --release --lib --target "$SBF_DIR/sbpf-solana-solana.json" \
        -Zbuild-std=std,panic_abort -Zjson-target-spec \
        --features sbf-registry-toolchain \
        --config "patch.crates-io.solana-compiler-builtins.path=\"$BUILTINS\"" \
        --config 'profile.release.codegen-units=1' --config 'profile.release.panic="abort"'
)
mkdir -p target/sbf
cp target/sbf-build/sbpf-solana-solana/release/libsoftliq.so target/sbf/softliq.so
say "target/sbf/softliq.so: $(stat -c %s target/sbf/softliq.so) bytes"
