//! `softliq-keeper`: scan a market, crank soft liquidations, bid on auctions.
//!
//! Connection defaults follow the Solana CLI: `--url` (or `json_rpc_url` in
//! `~/.config/solana/cli/config.yml`, else http://127.0.0.1:8899) and
//! `--keypair` (or `keypair_path` there, else `~/.config/solana/id.json`).
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use softliq_keeper::backend::Rpc;
use softliq_keeper::keeper::{self, Keeper, KeeperConfig, ScanResult};
use softliq_keeper::oracle::{parse_price, price_units};
use softliq_keeper::{config, Pubkey};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[derive(Parser, Debug)]
#[command(
    name = "softliq-keeper",
    version,
    about = "Keeper and bidder bots for softliq markets"
)]
struct Cli {
    /// RPC URL or moniker (localhost, devnet, testnet, mainnet-beta) [default: the Solana CLI config's json_rpc_url, else http://127.0.0.1:8899]
    #[arg(long, short = 'u', global = true)]
    url: Option<String>,
    /// Keypair file of the keeper [default: the Solana CLI config's keypair_path, else ~/.config/solana/id.json]
    #[arg(long, short = 'k', global = true)]
    keypair: Option<String>,
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml]
    #[arg(long, short = 'C', global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Debug)]
struct MarketArgs {
    /// The market account.
    #[arg(long, value_parser = parse_pubkey)]
    market: Pubkey,
    /// Scan these slabs instead of discovering the market's (getProgramAccounts). Repeatable.
    #[arg(long = "slab", value_parser = parse_pubkey)]
    slabs: Vec<Pubkey>,
    /// Price account to use instead of the market's own (pull oracles post updates to new accounts).
    #[arg(long, value_parser = parse_pubkey)]
    oracle: Option<Pubkey>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Positions ranked by health, and open lots.
    Scan {
        #[command(flatten)]
        m: MarketArgs,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Rank at this price (quote per base, decimal) instead of the oracle's.
        #[arg(long)]
        price: Option<String>,
        /// Positions shown in the table (JSON has all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Loop: find liquidatable positions, pack them into crank transactions, send.
    Crank {
        #[command(flatten)]
        m: MarketArgs,
        /// Entries per crank transaction (capped by the market's max_positions_per_crank).
        #[arg(long)]
        max_per_crank: Option<usize>,
        /// Compute-unit limit put before each crank.
        #[arg(long)]
        cu_limit: Option<u32>,
        /// Priority fee, micro-lamports per compute unit.
        #[arg(long)]
        cu_price: Option<u64>,
        /// Pause between iterations when positions were found, ms.
        #[arg(long, default_value_t = 400)]
        interval_ms: u64,
        /// Longest pause when nothing is liquidatable (doubling from --interval-ms), ms.
        #[arg(long, default_value_t = 10_000)]
        max_backoff_ms: u64,
        /// Stop after this many iterations.
        #[arg(long)]
        iterations: Option<u64>,
        /// Debt-token account paid the keeper's tips [default: the keeper's associated token account].
        #[arg(long, value_parser = parse_pubkey)]
        keeper_debt: Option<Pubkey>,
    },
    /// Loop: value open lots, take those whose auction price is at or below the valuation.
    Bid {
        #[command(flatten)]
        m: MarketArgs,
        /// External price (quote per base, decimal) [default: the oracle's price each iteration].
        #[arg(long)]
        external_price: Option<String>,
        /// Margin required below the external price, bps.
        #[arg(long, default_value_t = 100)]
        margin_bps: u64,
        /// Quote (native units) spent per take at most.
        #[arg(long)]
        max_quote: Option<u64>,
        /// Do not reset stale lots or settle sold-out ones.
        #[arg(long)]
        no_housekeeping: bool,
        #[arg(long, default_value_t = 400)]
        interval_ms: u64,
        #[arg(long)]
        iterations: Option<u64>,
        /// Debt-token account paying for takes [default: associated token account].
        #[arg(long, value_parser = parse_pubkey)]
        keeper_debt: Option<Pubkey>,
        /// Collateral-token account receiving bought collateral [default: associated token account].
        #[arg(long, value_parser = parse_pubkey)]
        keeper_collateral: Option<Pubkey>,
    },
}

fn parse_pubkey(s: &str) -> Result<Pubkey, String> {
    s.parse::<Pubkey>()
        .map_err(|e| format!("invalid public key {s:?}: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let cfg_path = cli.config.clone().or_else(config::config_file);
    let cfg = config::load(cfg_path.as_deref());
    let url = config::resolve_url(cli.url.as_deref(), &cfg);
    let kp_path = config::resolve_keypair(cli.keypair.as_deref(), &cfg);
    match cli.cmd {
        Cmd::Scan {
            m,
            json,
            price,
            limit,
        } => {
            // Reading needs no key: fall back to a throwaway one.
            let payer = config::read_keypair(&kp_path).unwrap_or_else(|_| Keypair::new());
            let mut rpc = Rpc::new(url, payer);
            scan(&mut rpc, m, json, price, limit).await
        }
        Cmd::Crank {
            m,
            max_per_crank,
            cu_limit,
            cu_price,
            interval_ms,
            max_backoff_ms,
            iterations,
            keeper_debt,
        } => {
            let payer = config::read_keypair(&kp_path)?;
            eprintln!("keeper {} on {url}", payer.pubkey());
            let mut rpc = Rpc::new(url, payer);
            let mut k = keeper_for(&mut rpc, &m).await?;
            if let Some(d) = keeper_debt {
                k.cfg.keeper_debt = d;
            }
            k.cfg.max_per_crank = max_per_crank;
            k.cfg.cu_limit = cu_limit;
            k.cfg.cu_price = cu_price;
            crank_loop(&mut rpc, &mut k, interval_ms, max_backoff_ms, iterations).await;
            Ok(())
        }
        Cmd::Bid {
            m,
            external_price,
            margin_bps,
            max_quote,
            no_housekeeping,
            interval_ms,
            iterations,
            keeper_debt,
            keeper_collateral,
        } => {
            let payer = config::read_keypair(&kp_path)?;
            eprintln!("bidder {} on {url}", payer.pubkey());
            let mut rpc = Rpc::new(url, payer);
            let mut k = keeper_for(&mut rpc, &m).await?;
            if let Some(d) = keeper_debt {
                k.cfg.keeper_debt = d;
            }
            if let Some(c) = keeper_collateral {
                k.cfg.keeper_collateral = c;
            }
            k.cfg.max_quote_per_take = max_quote;
            k.cfg.housekeeping = !no_housekeeping;
            let market = keeper::load_market(&mut rpc, &m.market)
                .await
                .map_err(|e| e.to_string())?;
            let external = external_price
                .map(|s| parse_price(&s, market.collateral_decimals, market.debt_decimals))
                .transpose()?;
            bid_loop(
                &mut rpc,
                &mut k,
                external,
                margin_bps,
                interval_ms,
                iterations,
            )
            .await;
            Ok(())
        }
    }
}

async fn keeper_for(rpc: &mut Rpc, m: &MarketArgs) -> Result<Keeper, String> {
    use softliq_keeper::backend::Backend;
    let market = keeper::load_market(rpc, &m.market)
        .await
        .map_err(|e| e.to_string())?;
    let keys = keeper::load_keys(rpc, &m.market, &market, m.oracle)
        .await
        .map_err(|e| e.to_string())?;
    let mut cfg = KeeperConfig::for_owner(&rpc.keeper(), &keys);
    cfg.oracle = m.oracle;
    cfg.slabs = (!m.slabs.is_empty()).then(|| m.slabs.clone());
    Ok(Keeper::new(m.market, cfg))
}

async fn crank_loop(
    rpc: &mut Rpc,
    k: &mut Keeper,
    interval_ms: u64,
    max_backoff_ms: u64,
    iterations: Option<u64>,
) {
    let base = Duration::from_millis(interval_ms.max(1));
    let max = Duration::from_millis(max_backoff_ms.max(interval_ms));
    let mut backoff = base;
    let mut i = 0u64;
    loop {
        i += 1;
        let idle = match k.crank_once(rpc).await {
            Ok(r) => {
                if let Some(why) = &r.skipped {
                    eprintln!("slot {}: skipped: {why}", r.slot);
                } else if r.candidates > 0 {
                    eprintln!(
                        "slot {}: {} liquidatable, {} tx sent ({} entries, {} resends), {} failed, {} liquidations{}",
                        r.slot,
                        r.candidates,
                        r.sent,
                        r.entries,
                        r.retries,
                        r.failed,
                        r.liquidations,
                        r.errors.first().map(|e| format!("; first error: {e}")).unwrap_or_default()
                    );
                }
                r.candidates == 0
            }
            Err(e) => {
                eprintln!("iteration {i}: {e}");
                true
            }
        };
        if iterations.is_some_and(|n| i >= n) {
            break;
        }
        if i.is_multiple_of(100) {
            k.refresh_slabs();
        }
        // Exponential backoff while there is nothing to do.
        let pause = if idle { backoff } else { base };
        backoff = if idle { (backoff * 2).min(max) } else { base };
        tokio::time::sleep(pause).await;
    }
}

async fn bid_loop(
    rpc: &mut Rpc,
    k: &mut Keeper,
    external: Option<u64>,
    margin_bps: u64,
    interval_ms: u64,
    iterations: Option<u64>,
) {
    let mut i = 0u64;
    loop {
        i += 1;
        match k.bid_once(rpc, external, margin_bps).await {
            Ok(r) if r.takes + r.resets + r.settles + r.errors.len() > 0 => eprintln!(
                "slot {}: {} lots open, {} takes ({} collateral), {} failed, {} resets, {} settles{}",
                r.slot,
                r.lots_open,
                r.takes,
                r.collateral_requested,
                r.take_failures,
                r.resets,
                r.settles,
                r.errors.first().map(|e| format!("; first error: {e}")).unwrap_or_default()
            ),
            Ok(_) => {}
            Err(e) => eprintln!("iteration {i}: {e}"),
        }
        if iterations.is_some_and(|n| i >= n) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(interval_ms.max(1))).await;
    }
}

async fn scan(
    rpc: &mut Rpc,
    m: MarketArgs,
    json_out: bool,
    price: Option<String>,
    limit: usize,
) -> Result<(), String> {
    let mut k = Keeper::new(
        m.market,
        KeeperConfig::new(Pubkey::default(), Pubkey::default()),
    );
    k.cfg.oracle = m.oracle;
    k.cfg.slabs = (!m.slabs.is_empty()).then(|| m.slabs.clone());
    let market = keeper::load_market(rpc, &m.market)
        .await
        .map_err(|e| e.to_string())?;
    let px = price
        .map(|s| parse_price(&s, market.collateral_decimals, market.debt_decimals))
        .transpose()?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} reading slabs [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let r = k.scan(rpc, px, Some(&bar)).await.map_err(|e| e.to_string());
    bar.finish_and_clear();
    let r = r?;
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&m.market, &r, px)).expect("json")
        );
    } else {
        print_table(&m.market, &r, px, limit);
    }
    Ok(())
}

fn to_json(key: &Pubkey, r: &ScanResult, px: Option<u64>) -> serde_json::Value {
    let m = &r.market;
    let (cd, dd) = (m.collateral_decimals, m.debt_decimals);
    let price = px.or_else(|| r.oracle.as_ref().ok().map(|o| o.price.price));
    json!({
        "market": key.to_string(),
        "slot": r.clock.slot,
        "price": price,
        "price_units": price.map(|p| price_units(p, cd, dd)),
        "oracle_error": match &r.oracle {
            Ok(o) => o.guard.err().map(|e| e.to_string()),
            Err(e) => Some(e.clone()),
        },
        "borrow_index": m.borrow_index,
        "maint_margin_bps": m.params.maint_margin_bps,
        "slabs": r.slabs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "positions": r.positions.iter().map(|p| json!({
            "slab": p.candidate.slab.to_string(),
            "index": p.candidate.index,
            "generation": p.candidate.generation,
            "owner": p.owner.to_string(),
            "collateral_native": p.candidate.collateral_native,
            "debt_native": p.candidate.debt_native,
            "health_maint": p.candidate.health_maint.to_string(),
            "health_target": p.health_target.to_string(),
            "liquidatable": p.liquidatable,
            "in_episode": p.in_episode,
        })).collect::<Vec<_>>(),
        "lots": r.lots.iter().map(|l| json!({
            "index": l.index,
            "generation": l.lot.generation,
            "slab": l.lot.slab.to_string(),
            "position_index": l.lot.position_index,
            "owner": l.lot.owner.to_string(),
            "collateral_native": l.lot.collateral_native,
            "tab_debt_native": l.lot.tab_debt_native,
            "tab_penalty_native": l.lot.tab_penalty_native,
            "start_price": l.lot.start_price,
            "start_slot": l.lot.start_slot,
            "price_now": l.price,
            "elapsed_slots": l.elapsed_slots,
            "needs_reset": l.needs_reset,
            "resets": l.lot.resets,
        })).collect::<Vec<_>>(),
    })
}

fn short(k: &Pubkey) -> String {
    let s = k.to_string();
    format!("{}..{}", &s[..4], &s[s.len() - 4..])
}

fn print_table(key: &Pubkey, r: &ScanResult, px: Option<u64>, limit: usize) {
    let m = &r.market;
    let (cd, dd) = (m.collateral_decimals, m.debt_decimals);
    let q = |v: i128| v as f64 / 10f64.powi(dd as i32);
    let c = |v: u64| v as f64 / 10f64.powi(cd as i32);
    println!("market {key}  slot {}", r.clock.slot);
    match (&r.oracle, px) {
        (_, Some(p)) => println!("price {:.6} (given)", price_units(p, cd, dd)),
        (Ok(o), None) => println!(
            "price {:.6} (oracle; guards: {})",
            price_units(o.price.price, cd, dd),
            o.guard
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "ok".into())
        ),
        (Err(e), None) => println!("price unavailable: {e}"),
    }
    let liq = r.positions.iter().filter(|p| p.liquidatable).count();
    println!(
        "{} slabs, {} positions in use, {} liquidatable (maintenance margin {} bps)",
        r.slabs.len(),
        r.positions.len(),
        liq,
        m.params.maint_margin_bps
    );
    if !r.positions.is_empty() {
        println!(
            "{:>5}  {:<10} {:>7} {:>4} {:>16} {:>16} {:>16} {:>16}  flags",
            "rank", "slab", "index", "gen", "collateral", "debt", "health_maint", "health_target"
        );
        for (i, p) in r.positions.iter().take(limit).enumerate() {
            let cd_ = p.candidate;
            println!(
                "{:>5}  {:<10} {:>7} {:>4} {:>16.6} {:>16.6} {:>16.6} {:>16.6}  {}{}",
                i + 1,
                short(&cd_.slab),
                cd_.index,
                cd_.generation,
                c(cd_.collateral_native),
                q(cd_.debt_native as i128),
                q(cd_.health_maint),
                q(p.health_target),
                if p.liquidatable { "LIQ " } else { "" },
                if p.in_episode { "episode" } else { "" }
            );
        }
        if r.positions.len() > limit {
            println!(
                "  ... {} more (--limit, or --json for all)",
                r.positions.len() - limit
            );
        }
    }
    println!("{} open lots", r.lots.len());
    if !r.lots.is_empty() {
        println!(
            "{:>6} {:>4} {:>16} {:>16} {:>14} {:>14} {:>8}  state",
            "lot", "gen", "collateral", "tab", "start", "price now", "elapsed"
        );
        for l in &r.lots {
            let tab = l.lot.tab_debt_native as i128 + l.lot.tab_penalty_native as i128;
            println!(
                "{:>6} {:>4} {:>16.6} {:>16.6} {:>14.6} {:>14} {:>8}  {}",
                l.index,
                l.lot.generation,
                c(l.lot.collateral_native),
                q(tab),
                price_units(l.lot.start_price, cd, dd),
                l.price
                    .map(|p| format!("{:.6}", price_units(p, cd, dd)))
                    .unwrap_or_else(|| "-".into()),
                l.elapsed_slots,
                if l.needs_reset {
                    "needs reset"
                } else if l.lot.collateral_native == 0 {
                    "settleable"
                } else {
                    "live"
                }
            );
        }
    }
}
