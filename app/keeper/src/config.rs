//! Solana CLI conventions: `~/.config/solana/cli/config.yml` supplies the
//! default RPC URL (`json_rpc_url`) and keypair (`keypair_path`); without it
//! the URL is `http://127.0.0.1:8899` and the keypair `~/.config/solana/id.json`.
//! `--url` also takes the CLI's monikers (`localhost`, `devnet`, ...).
use std::path::{Path, PathBuf};

pub const DEFAULT_URL: &str = "http://127.0.0.1:8899";

/// The fields of the CLI config file the keeper uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<String>,
    pub commitment: Option<String>,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `~/.config/solana/cli/config.yml`.
pub fn config_file() -> Option<PathBuf> {
    home().map(|h| h.join(".config/solana/cli/config.yml"))
}

/// Reads the CLI config (an absent or unreadable file is an empty config).
pub fn load(path: Option<&Path>) -> CliConfig {
    path.and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| parse(&t))
        .unwrap_or_default()
}

/// The top-level `key: value` lines of the CLI's YAML config.
pub fn parse(text: &str) -> CliConfig {
    let mut c = CliConfig::default();
    for line in text.lines() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        if v.is_empty() {
            continue;
        }
        match k.trim() {
            "json_rpc_url" => c.json_rpc_url = Some(v),
            "keypair_path" => c.keypair_path = Some(v),
            "commitment" => c.commitment = Some(v),
            _ => {}
        }
    }
    c
}

/// The CLI's URL monikers, or the URL itself.
pub fn normalize_url(url: &str) -> String {
    match url {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "l" | "localhost" => DEFAULT_URL.into(),
        other => other.to_string(),
    }
}

/// `--url` if given, else the config's `json_rpc_url`, else localhost.
pub fn resolve_url(flag: Option<&str>, cfg: &CliConfig) -> String {
    normalize_url(flag.or(cfg.json_rpc_url.as_deref()).unwrap_or(DEFAULT_URL))
}

fn expand(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), home()) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(p),
    }
}

/// `--keypair` if given, else the config's `keypair_path`, else `~/.config/solana/id.json`.
pub fn resolve_keypair(flag: Option<&str>, cfg: &CliConfig) -> PathBuf {
    match flag.or(cfg.keypair_path.as_deref()) {
        Some(p) => expand(p),
        None => home()
            .map(|h| h.join(".config/solana/id.json"))
            .unwrap_or_else(|| PathBuf::from("id.json")),
    }
}

/// Reads a keypair file (a JSON array of 64 bytes, as `solana-keygen` writes).
pub fn read_keypair(path: &Path) -> Result<solana_keypair::Keypair, String> {
    solana_keypair::read_keypair_file(path).map_err(|e| format!("keypair {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_config_conventions() {
        let text = "---\njson_rpc_url: \"https://rpc.example.invalid\"\nwebsocket_url: ''\nkeypair_path: /tmp/k.json\naddress_labels:\n  \"1111\": System Program\ncommitment: confirmed\n";
        let c = parse(text);
        assert_eq!(
            c.json_rpc_url.as_deref(),
            Some("https://rpc.example.invalid")
        );
        assert_eq!(c.keypair_path.as_deref(), Some("/tmp/k.json"));
        assert_eq!(c.commitment.as_deref(), Some("confirmed"));
        assert_eq!(resolve_url(None, &c), "https://rpc.example.invalid");
        assert_eq!(resolve_url(Some("localhost"), &c), DEFAULT_URL);
        assert_eq!(resolve_url(None, &CliConfig::default()), DEFAULT_URL);
        assert_eq!(resolve_keypair(None, &c), PathBuf::from("/tmp/k.json"));
        assert!(resolve_keypair(None, &CliConfig::default()).ends_with(".config/solana/id.json"));
        assert_eq!(
            resolve_keypair(Some("/x/y.json"), &c),
            PathBuf::from("/x/y.json")
        );
        assert_eq!(
            load(Some(Path::new("/nonexistent/config.yml"))),
            CliConfig::default()
        );
    }

    #[test]
    fn reads_solana_keygen_files() {
        use solana_signer::Signer;
        let kp = solana_keypair::Keypair::new();
        let dir = std::env::temp_dir().join(format!("softliq-keeper-kp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("id.json");
        std::fs::write(
            &path,
            serde_json::to_string(&kp.to_bytes().to_vec()).unwrap(),
        )
        .unwrap();
        assert_eq!(read_keypair(&path).unwrap().pubkey(), kp.pubkey());
        assert!(read_keypair(&dir.join("missing.json")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
