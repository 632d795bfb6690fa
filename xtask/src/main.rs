//! Repository tasks.
//!
//! ```text
//! cargo run -p xtask -- idl                 # build the IDL, write app/client/idl/softliq.json
//! cargo run -p xtask -- idl --check         # build it, fail if it differs from the committed file
//! cargo run -p xtask -- idl --out <path>    # write elsewhere (e.g. a temp dir for a CI diff)
//! cargo run -p xtask -- idl --no-unit-tests  # build from a scratch copy without `#[cfg(test)]` items
//! ```
//!
//! The IDL is built the way `anchor idl build` does it, without the anchor CLI:
//! `anchor-lang-idl`'s `IdlBuilder` runs `cargo test __anchor_private_print_idl
//! --features idl-build` on the program (natively, on stable) and assembles the
//! printed parts. The idl-build feature set compiles anchor again (~5 min cold on
//! 2 cores); it goes to its own target dir (`target/idl-build`) so that it neither
//! waits on nor invalidates the normal build (the builder sets its own RUSTFLAGS).
//!
//! `cargo test` compiles the program's unit tests too, so a unit test that does not
//! compile blocks the IDL. `--no-unit-tests` builds from a scratch copy of the program
//! (`<target-dir>/program-copy`, its own workspace, the root `Cargo.lock`) in which
//! every `#[cfg(test)]` is replaced by `#[cfg(any())]`; the IDL is identical (it is
//! emitted by Anchor's macros, not by the unit tests) and the build skips proptest.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;
use anyhow::{bail, Context, Result};

const USAGE: &str =
    "usage: cargo run -p xtask -- idl [--check] [--out <path>] [--target-dir <dir>] [--no-unit-tests]";

fn main() -> ExitCode {
    // With RUSTUP_TOOLCHAIN set (rustup sets it for everything `cargo run` starts),
    // IdlBuilder tries to install that toolchain and then passes a literal
    // `+{toolchain}` argument to cargo, which fails. Unset it before any thread exists.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let mut it = args.into_iter();
    match it.next().as_deref() {
        Some("idl") => {}
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => bail!("unknown task `{other}`\n{USAGE}"),
    }
    let root = workspace_root();
    let committed = root.join("app/client/idl/softliq.json");
    let mut check = false;
    let mut out = committed.clone();
    let mut target_dir = root.join("target/idl-build");
    let mut no_unit_tests = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => out = PathBuf::from(it.next().context("--out needs a path")?),
            "--target-dir" => {
                target_dir = PathBuf::from(it.next().context("--target-dir needs a path")?)
            }
            "--no-unit-tests" => no_unit_tests = true,
            _ => bail!("unknown argument `{arg}`\n{USAGE}"),
        }
    }

    let program = root.join("programs/softliq");
    let program = if no_unit_tests {
        copy_without_unit_tests(&root, &program, &target_dir.join("program-copy"))?
    } else {
        program
    };
    let json = build_idl(&program, &target_dir)?;
    if check {
        let old = std::fs::read_to_string(&committed)
            .with_context(|| format!("reading {}", committed.display()))?;
        if old == json {
            eprintln!("IDL is up to date: {}", committed.display());
            return Ok(ExitCode::SUCCESS);
        }
        report_diff(&old, &json);
        eprintln!(
            "IDL differs from the committed {}: run `cargo run -p xtask -- idl` and `npm run generate`, then commit both.",
            committed.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&out, &json).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Builds the IDL and renders it as pretty JSON (2-space indent, trailing newline,
/// like `anchor idl build`). Prints a summary to stderr.
fn build_idl(program: &Path, target_dir: &Path) -> Result<String> {
    eprintln!(
        "building the IDL of {} (cargo test --lib __anchor_private_print_idl --features idl-build, target dir {})",
        program.display(),
        target_dir.display()
    );
    let t0 = std::time::Instant::now();
    let idl = IdlBuilder::new()
        .program_path(program.to_path_buf())
        .skip_lint(true)
        .cargo_args(vec![
            "--lib".into(),
            "--target-dir".into(),
            target_dir.display().to_string(),
        ])
        .build()
        .context("building the IDL (compiler errors, if any, are above)")?;
    eprintln!(
        "IDL {} {}: {} instructions, {} accounts, {} events, {} errors, {} types, {} constants ({:.0?})",
        idl.metadata.name,
        idl.address,
        idl.instructions.len(),
        idl.accounts.len(),
        idl.events.len(),
        idl.errors.len(),
        idl.types.len(),
        idl.constants.len(),
        t0.elapsed()
    );
    let mut json = serde_json::to_string_pretty(&idl)?;
    json.push('\n');
    Ok(json)
}

/// Copies the program crate to `dest` as a standalone workspace (with the root
/// `Cargo.lock`, so the same dependency versions) with every `#[cfg(test)]` item disabled.
fn copy_without_unit_tests(root: &Path, program: &Path, dest: &Path) -> Result<PathBuf> {
    fn copy_dir(from: &Path, to: &Path) -> Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let (src, dst) = (entry.path(), to.join(entry.file_name()));
            if entry.file_type()?.is_dir() {
                copy_dir(&src, &dst)?;
            } else if src.extension().is_some_and(|e| e == "rs") {
                let text = strip_unit_tests(&std::fs::read_to_string(&src)?);
                write_if_changed(&dst, &text)?;
            }
        }
        Ok(())
    }
    // Only rewrite what changed, so that cargo's mtime fingerprints stay valid.
    fn write_if_changed(path: &Path, text: &str) -> Result<()> {
        if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
    // Files deleted from the program linger in the copy: harmless, nothing `mod`s them.
    copy_dir(&program.join("src"), &dest.join("src"))?;
    let manifest = std::fs::read_to_string(program.join("Cargo.toml"))?;
    write_if_changed(
        &dest.join("Cargo.toml"),
        &format!("{manifest}\n[workspace]\n"),
    )?;
    // Fresh each time: the pinned versions (solana-program 2.3.0) must hold in the copy too.
    std::fs::copy(root.join("Cargo.lock"), dest.join("Cargo.lock"))?;
    eprintln!(
        "copied the program without unit tests to {}",
        dest.display()
    );
    Ok(dest.to_path_buf())
}

/// Drops `#[cfg(test)] mod x;` declarations (Anchor's IDL build parses every module
/// file it can reach, whatever its cfg, so a test file that does not even parse would
/// still break it) and turns every other `#[cfg(test)]` into `#[cfg(any())]`.
fn strip_unit_tests(text: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ATTR.len()..];
        let item = after.trim_start();
        let file_mod = item.strip_prefix("mod ").and_then(|m| {
            let name_len = m.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            m[name_len..].trim_start().strip_prefix(';')
        });
        match file_mod {
            Some(tail) => rest = tail,
            None => {
                out.push_str("#[cfg(any())]");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Prints the first differing lines of two texts (enough to see what changed).
fn report_diff(old: &str, new: &str) {
    let (a, b): (Vec<_>, Vec<_>) = (old.lines().collect(), new.lines().collect());
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    eprintln!(
        "first difference at line {} (committed {} lines, built {} lines):",
        first + 1,
        a.len(),
        b.len()
    );
    for i in first.saturating_sub(3)..(first + 8) {
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x == y => eprintln!("  {x}"),
            (x, y) => {
                if let Some(x) = x {
                    eprintln!("- {x}");
                }
                if let Some(y) = y {
                    eprintln!("+ {y}");
                }
            }
        }
    }
}
