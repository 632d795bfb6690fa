//! The simulation: the real program in an in-process bank, a book of
//! positions, an external constant-product market whose price the oracle
//! reports, keepers that crank, bidders that buy lots and resell them in the
//! external market, and arbitrageurs pulling that market toward the
//! fundamental path. One run per liquidation mechanism, same book and path.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use harness::bank::{code_of, Bank, TxError};
use harness::market::{ix, LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use softliq::engine::auction::{self, Take, TakeError, CURVE_LINEAR};
use softliq::engine::health;
use softliq::engine::params::validate;
use softliq::error::SoftliqError;
use softliq::math::BPS;
use softliq::state::{
    entries_of, BookEntry, Lot, Market, MarketParams, Position, RiskParams, MAX_LOT_CAPACITY,
};
use solana_instruction::Instruction;

use crate::agents;
use crate::book::Book;
use crate::cli::SimConfig;
use crate::market::{Amm, DEFAULT_FEE_BPS};
use crate::report::{Report, RunMetrics, RunSeries, SlotSample};

/// Profit a bidder wants over its resale in the external market (after the
/// market's fee), as a fraction of the price it pays.
pub const BIDDER_MARGIN: f64 = 0.005;
/// Insurance fund seeded with this share of the book's debt.
pub const INSURANCE_SHARE: f64 = 0.015;
/// LP pool = book debt × this (utilisation 80%, the rate curve's kink).
pub const LP_OVER_DEBT: f64 = 1.25;
/// Unexpected transaction errors kept verbatim per run.
const KEPT_ERRORS: usize = 20;

/// A liquidation mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunKind {
    /// The market's soft parameters (`MarketParams::default_soft`).
    Soft,
    /// Whole position at once, immediate sale at a fixed 5% discount
    /// (`MarketParams::hard`).
    Hard,
    /// Aave-like: up to 50% of a position per liquidation, fixed 5% discount,
    /// no ramp, no per-slot budget (`hard` with a 50% close factor).
    Partial,
    /// No keepers: nothing is ever liquidated.
    None,
    /// The soft run's parameters plus dynamic risk ([`dynamic_risk`]):
    /// margins that follow the on-chain volatility estimate and a per-slot
    /// budget set from the external market's depth.
    Dynamic,
}

pub const RUNS: [RunKind; 5] = [
    RunKind::Soft,
    RunKind::Hard,
    RunKind::Partial,
    RunKind::None,
    RunKind::Dynamic,
];

/// Dynamic risk of the `dynamic` run for an external market of this depth:
/// the volatility estimate with a 50-slot half-life, margins + 2σ over a
/// 50-slot horizon (add-on capped at 5%, moving at most 5 bps a slot), and
/// the per-slot budget at 0.45% of the depth (the soft run's static budget,
/// so that the margins are the only difference), not shrinking with
/// volatility.
pub fn dynamic_risk(market_depth_quote: f64) -> RiskParams {
    RiskParams {
        vol_enabled: 1,
        vol_half_life_slots: 50,
        vol_max_move_bps: 500,
        vol_horizon_slots: 50,
        vol_k_bps: 20_000,
        margin_addon_cap_bps: 500,
        margin_step_bps: 5,
        depth_native: (market_depth_quote * 1e6) as u64,
        budget_depth_bps: 45,
        budget_floor_bps: 10_000,
        ..RiskParams::static_default()
    }
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Soft => "soft",
            RunKind::Hard => "hard",
            RunKind::Partial => "partial",
            RunKind::None => "none",
            RunKind::Dynamic => "dynamic",
        }
    }

    /// The run's dynamic-risk parameters (static for all but `dynamic`).
    pub fn risk(self, market_depth_quote: f64) -> RiskParams {
        // The adaptive budget and urgent tier of the soft rule.
        let (_, rule) = softliq::engine::params::soft_rule((market_depth_quote * 1e6) as u64);
        let adaptive = |r: RiskParams| RiskParams {
            budget_growth_bps: rule.budget_growth_bps,
            budget_cap_bps: rule.budget_cap_bps,
            urgent_gap_bps: rule.urgent_gap_bps,
            urgent_budget_bps: rule.urgent_budget_bps,
            ..r
        };
        match self {
            RunKind::Dynamic => adaptive(dynamic_risk(market_depth_quote)),
            RunKind::Soft => adaptive(RiskParams::static_default()),
            _ => RiskParams::static_default(),
        }
    }

    pub fn keepers(self) -> bool {
        self != RunKind::None
    }

    /// The program parameters of this run, as written before validation.
    pub fn raw_params(self) -> MarketParams {
        match self {
            RunKind::Soft | RunKind::None | RunKind::Dynamic => MarketParams::default_soft(),
            RunKind::Hard => MarketParams::hard(),
            // Hard liquidation limited to half of a position per liquidation
            // (a position still below maintenance is liquidated again in
            // the following slots): the only difference from `hard`.
            RunKind::Partial => MarketParams {
                close_factor_bps: 5_000,
                ..MarketParams::hard()
            },
        }
    }

    /// The parameters (the soft run with `overrides` applied), checked with
    /// `engine::params::validate`.
    pub fn params(
        self,
        overrides: &[(String, u64)],
    ) -> Result<(MarketParams, Option<String>), SimError> {
        let mut p = self.raw_params();
        let mut note = None;
        if matches!(self, RunKind::Soft | RunKind::Dynamic) && !overrides.is_empty() {
            for (key, value) in overrides {
                set_param(&mut p, key, *value).map_err(|error| SimError::Params {
                    run: self.name(),
                    error,
                })?;
            }
            let list: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            note = Some(format!(
                "{}: MarketParams::default_soft() with {}",
                self.name(),
                list.join(", ")
            ));
        }
        validate(&p).map_err(|e| SimError::Params {
            run: self.name(),
            error: format!("{e:?}"),
        })?;
        Ok((p, note))
    }
}

/// Soft parameters for a market of this depth, the best set measured on the
/// crash preset (10,000 positions, seed 42; soft run alone, keepers ranking
/// highest loan-to-value first, see `softliq_keeper::scan::rank_for_crank`):
///
/// - the auction starts at 98% of the oracle and falls 0.5% a slot: bidders
///   (who want 0.5% over a resale that pays the market's 0.3% fee) can absorb
///   the slot's seizures at 2% below the oracle in the slot they are made,
///   before the market moves further; starting at 98.5% left lots for the
///   next slot (bad debt 30,306, recovery 97.86%), at 100% (falling 1% a
///   slot, 10-slot ramp, 100k budget) 172,089 and 96.9%, at 97.5% 67,258, at
///   97% 125,014 (100k budget). Every lot then sells at its start price:
///   `recovery_rate` is 98.0%, and cannot exceed the start fraction;
/// - the per-slot budget is 0.45% of the external market's depth (90,000
///   quote/slot here): arbitrage closing 20% of the gap a slot leaves a
///   steady gap of about ten slots' sales, so the budget sets the oracle's
///   depression (price impact 465 bps at 90k, 586 at 100k, 632 at 120k)
///   against the queue of positions waiting while it binds (bad debt 26,591
///   at 90k, 68,703 at 85k, 172,208 at 80k; 23,372 at 100k with recovery
///   97.97%; 51,409 at 120k);
/// - no ramp (`liq_ramp_slots = 0`): the budget already spreads the selling;
///   a 10-slot ramp holds back the first steps of positions that then slip
///   further while the market falls (62,847 with 10 slots, 37,507 with 3);
/// - a 4% lot cushion (`lot_buffer_bps`, instead of 1%): lots that sell below
///   the seizure price still repay their debt (with the auction from 98.5%
///   and a 100k budget: 58,389 with 4%, 329,771 with 1%).
///
/// With these and health-ranked keepers (most unhealthy first) bad debt is
/// 140,178: the ranking matters as much as the parameters.
pub fn suggested_soft_overrides(market_depth_quote: f64) -> Vec<(String, u64)> {
    // 45 bps of the depth, in debt-token native units.
    let budget_native = ((market_depth_quote * 1e6) as u64 / 10_000).saturating_mul(45);
    [
        ("auction_start_buffer_bps", 9_800),
        ("auction_step_slots", 1),
        ("auction_cut_bps", 9_950),
        ("lot_buffer_bps", 400),
        ("liq_ramp_slots", 0),
        ("max_liq_notional_per_slot", budget_native),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Sets one parameter by its field name.
pub fn set_param(p: &mut MarketParams, key: &str, value: u64) -> Result<(), String> {
    macro_rules! fields {
        ($($f:ident),* $(,)?) => {
            match key {
                $(stringify!($f) => p.$f = value,)*
                _ => return Err(format!("unknown parameter `{key}`")),
            }
        };
    }
    fields!(
        init_margin_bps,
        target_margin_bps,
        maint_margin_bps,
        liquidation_penalty_bps,
        lot_buffer_bps,
        close_factor_bps,
        keeper_tip_native,
        keeper_chip_bps,
        keeper_pay_cap_native,
        max_positions_per_crank,
        liq_ramp_slots,
        max_liq_notional_per_slot,
        max_lot_collateral_native,
        auction_start_buffer_bps,
        auction_curve,
        auction_tau_slots,
        auction_step_slots,
        auction_cut_bps,
        auction_tail_slots,
        auction_cusp_bps,
        auction_max_resets,
        auction_reset_tip_native,
        dust_native,
        max_oracle_age_slots,
        max_oracle_age_secs,
        max_conf_bps,
        max_deviation_bps,
        borrow_rate_base_bps,
        borrow_rate_slope1_bps,
        borrow_rate_slope2_bps,
        borrow_rate_kink_bps,
        insurance_withdraw_cooldown_slots,
    );
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("run {run}: parameters fail validation: {error}")]
    Params { run: &'static str, error: String },
    #[error("run {run}: setup failed: {message}")]
    Setup { run: &'static str, message: String },
    #[error("run {run}: invariant violated at the end of the run: {message}")]
    Invariant { run: &'static str, message: String },
    #[error("run {run}: external market: {message}")]
    Market { run: &'static str, message: String },
    #[error("run {run} panicked: {message}")]
    Panic { run: &'static str, message: String },
}

/// One run's results.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub kind: RunKind,
    pub metrics: RunMetrics,
    pub series: RunSeries,
    /// Transactions that failed for a reason the agents did not expect
    /// (program misbehaviour), first few verbatim.
    pub unexpected_errors: Vec<String>,
    pub unexpected_error_count: u64,
    pub note: Option<String>,
    /// Most lots open at once, and the lot book's capacity.
    pub max_open_lots: usize,
    pub lot_capacity: u32,
    pub transactions: u64,
}

/// Everything a simulation produced.
#[derive(Debug, Clone)]
pub struct SimOutput {
    pub report: Report,
    pub series: BTreeMap<String, RunSeries>,
    pub runs: Vec<RunOutput>,
    pub book: Book,
    /// Under the heading of report.md: the book against the market's depth.
    pub extra_markdown: String,
}

impl SimOutput {
    pub fn unexpected_errors(&self) -> u64 {
        self.runs.iter().map(|r| r.unexpected_error_count).sum()
    }
}

/// Runs every mechanism on the same book and path (in parallel up to
/// `config.jobs`), then assembles the report.
pub fn simulate(config: &SimConfig) -> Result<SimOutput, SimError> {
    let book = Book::generate(
        config.positions,
        config.book_collateral_quote,
        config.path.start_price(),
        config.seed,
    );
    let progress = if config.quiet {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
    };
    let style = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {msg}")
        .expect("template")
        .progress_chars("=> ");
    // Developer aid: `SOFTLIQ_SIM_RUNS=soft,hard` runs only those mechanisms
    // (parameter sweeps); the report then lacks the others.
    let only = std::env::var("SOFTLIQ_SIM_RUNS").ok();
    let kinds: Vec<RunKind> = RUNS
        .into_iter()
        .filter(|k| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|n| n == k.name()))
        })
        .collect();
    let bars: Vec<ProgressBar> = kinds
        .iter()
        .map(|k| {
            let bar = progress.add(ProgressBar::new(config.slots));
            bar.set_style(style.clone());
            bar.set_prefix(k.name());
            bar.set_message("waiting");
            bar
        })
        .collect();

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RunOutput, SimError>>>> =
        Mutex::new(kinds.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..config.jobs.clamp(1, kinds.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= kinds.len() {
                    break;
                }
                let kind = kinds[i];
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("tokio runtime");
                    rt.block_on(run(kind, config, &book, &bars[i]))
                }))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Err(SimError::Panic {
                        run: kind.name(),
                        message,
                    })
                });
                bars[i].finish_with_message(if out.is_ok() { "done" } else { "failed" });
                results.lock().expect("results")[i] = Some(out);
            });
        }
    });
    let mut runs = Vec::with_capacity(kinds.len());
    for r in results.into_inner().expect("results") {
        runs.push(r.expect("every run finished")?);
    }

    let mut report = Report {
        scenario: config.scenario.name(),
        positions: config.positions,
        slots: config.slots,
        runs: BTreeMap::new(),
    };
    let mut series = BTreeMap::new();
    for r in &runs {
        report
            .runs
            .insert(r.kind.name().to_string(), r.metrics.clone());
        series.insert(r.kind.name().to_string(), r.series.clone());
    }
    let extra_markdown = describe(config, &book, &runs);
    Ok(SimOutput {
        report,
        series,
        runs,
        book,
        extra_markdown,
    })
}

fn describe(config: &SimConfig, book: &Book, runs: &[RunOutput]) -> String {
    use crate::report::format::{count, quote};
    let mut s = format!(
        "Book: {} positions in {} slabs, collateral worth {} quote at the start price ({:.2}× the \
         external market's depth of {} quote per side), debt {} quote (loan-to-value {:.0}%–{:.1}%, \
         sizes log-uniform over a {}× range). LP pool {} quote; insurance fund {} quote \
         ({:.1}% of the debt).\n\n\
         External market: constant product, fee {} bps; arbitrage closes {:.0}% of its gap to the \
         fundamental price each slot; the oracle publishes its price every slot{}. Bidders take a lot \
         when reselling in that market earns them at least {:.1}% and sell what they buy at once; \
         keepers crank every position the program would liquidate (highest loan-to-value first when \
         the market has a per-slot budget, most unhealthy first otherwise), stopping once the per-slot \
         budget is spent, reset stale auctions and settle sold-out lots.\n\n\
         Metrics: `bad_debt` = settled shortfall (`insurance_draw` + `socialized_loss`) plus latent \
         shortfall of open positions and unsold lots at the final fundamental price; `recovery_rate` = \
         auction proceeds ÷ oracle value at seizure of the collateral sold; `borrower_loss_rate` = \
         (value at seizure of collateral not returned − debt moved off the position) ÷ value at seizure, \
         over closed lots; `max_price_impact_bps` = worst end-of-slot gap between the external market \
         and the fundamental path; `recovery_rate` and `borrower_loss_rate` are 0 when nothing was sold.",
        count(book.positions.len() as u64),
        book.slabs,
        quote(book.collateral_value),
        book.collateral_value / config.market_depth_quote,
        quote(config.market_depth_quote),
        quote(book.debt),
        crate::book::MIN_LTV * 100.0,
        crate::book::MAX_LTV * 100.0,
        crate::book::SIZE_SPREAD,
        quote(book.debt * LP_OVER_DEBT),
        quote(book.debt * INSURANCE_SHARE),
        INSURANCE_SHARE * 100.0,
        DEFAULT_FEE_BPS,
        config.arb_strength * 100.0,
        match config.path.outage_slots() {
            Some(r) => format!(" except during the outage (slots {}..{})", r.start, r.end),
            None => String::new(),
        },
        BIDDER_MARGIN * 100.0,
    );
    s.push_str("\n\nRuns (each expressed as parameters of the same program):\n\n");
    for r in runs {
        let p = r
            .kind
            .params(&config.soft_overrides)
            .map(|(p, _)| p)
            .unwrap_or_default();
        s.push_str(&format!(
            "- `{}`: {}target {} bps, maint {} bps, penalty {} bps, lot buffer {} bps, close factor {} bps, \
             ramp {} slots, budget {} quote/slot, auction start {} bps of oracle, {}; at most {} lots open \
             (lot book of {}{}); {} transactions.\n",
            r.kind.name(),
            if r.kind.keepers() { "" } else { "no keepers; " },
            p.target_margin_bps,
            p.maint_margin_bps,
            p.liquidation_penalty_bps,
            p.lot_buffer_bps,
            p.close_factor_bps,
            p.liq_ramp_slots,
            if p.max_liq_notional_per_slot == 0 {
                "unlimited".to_string()
            } else {
                quote(p.max_liq_notional_per_slot as f64 / 1e6)
            },
            p.auction_start_buffer_bps,
            if p.auction_curve == CURVE_LINEAR {
                format!("linear to zero over {} slots", count(p.auction_tau_slots))
            } else {
                format!("−{} bps every {} slots", BPS - p.auction_cut_bps, p.auction_step_slots)
            },
            count(r.max_open_lots as u64),
            count(u64::from(r.lot_capacity)),
            if r.max_open_lots as u64 >= u64::from(r.lot_capacity) {
                ": full at times, when cranks skip"
            } else {
                ""
            },
            count(r.transactions),
        ));
        let risk = r.kind.risk(config.market_depth_quote);
        if risk.vol_enabled == 1 {
            s.push_str(&format!(
                "  Dynamic risk: margins + {:.1}σ over {} slots (variance half-life {} slots, one \
                 update's move capped at {} bps), add-on capped at {} bps and moving at most {} bps \
                 a slot (liquidations use the add-on one slot later); per-slot budget {} bps of the \
                 depth ({} quote), shrinking to {} bps of that at the cap.\n",
                risk.vol_k_bps as f64 / 1e4,
                risk.vol_horizon_slots,
                risk.vol_half_life_slots,
                risk.vol_max_move_bps,
                risk.margin_addon_cap_bps,
                risk.margin_step_bps,
                risk.budget_depth_bps,
                quote(risk.depth_native as f64 / 1e6),
                risk.budget_floor_bps,
            ));
        }
        if let Some(note) = &r.note {
            s.push_str(&format!("  Note: {note}.\n"));
        }
    }
    s
}

/// The oracle price the program derives from a published decimal price
/// (`FeedPrice::usd` then the program's own `normalize`).
pub fn oracle_scaled(price: f64) -> u64 {
    let feed = harness::pyth::FeedPrice::usd(price, 0, 0);
    let raw = softliq::oracle::RawPrice {
        price: feed.price,
        conf: feed.conf,
        expo: feed.expo,
        ema_price: feed.ema_price,
        publish_time: 0,
        publish_slot: 0,
    };
    softliq::oracle::normalize(&raw, 9, 6, false)
        .map(|p| p.price)
        .unwrap_or(0)
}

/// What the sim remembers about a lot from its creation.
#[derive(Clone, Copy, Debug)]
struct LotTrack {
    initial_collateral: u64,
    seized_value: u64,
    debt_moved: u64,
}

impl LotTrack {
    /// Value at the seizure oracle price of `collateral` of this lot.
    fn value_at_seizure(&self, collateral: u64) -> f64 {
        if self.initial_collateral == 0 {
            return 0.0;
        }
        collateral as f64 * self.seized_value as f64 / self.initial_collateral as f64
    }
}

/// Per-slot counters for the optional trace (`SOFTLIQ_SIM_TRACE=DIR` writes
/// `DIR/<run>.csv`).
#[derive(Default, Clone, Copy)]
struct SlotTrace {
    candidates: usize,
    cranks: usize,
    lots_open: usize,
    takes: usize,
    settles: usize,
    resets: usize,
    taken_collateral: u64,
    proceeds: u64,
    crank_ms: f64,
    lot_ms: f64,
    sample_ms: f64,
}

#[derive(Default)]
struct Stats {
    liquidated_notional: u128,
    max_slot_notional: u128,
    proceeds: u128,
    sold_value_at_seizure: f64,
    loss: f64,
    loss_base: f64,
    max_impact_bps: f64,
    max_open_lots: usize,
}

/// A take the bidder decided on.
#[derive(Clone, Copy, Debug)]
struct TakePlan {
    lot_ref: LotRef,
    lot: Lot,
    price: u64,
    take: Take,
}

struct World<'a> {
    kind: RunKind,
    config: &'a SimConfig,
    bank: Bank,
    tm: TestMarket,
    keeper: TestUser,
    bidder: TestUser,
    params: MarketParams,
    /// The run's dynamic-risk parameters (as the market was created with).
    risk: RiskParams,
    amm: Amm,
    oracle_price: f64,
    last_publish_slot: u64,
    lots: BTreeMap<(u32, u32), LotTrack>,
    liquidated: BTreeSet<(Pubkey, u32, u32)>,
    stats: Stats,
    errors: Vec<String>,
    error_count: u64,
    trace: SlotTrace,
    trace_out: Option<String>,
}

/// One run: setup, then every slot of the path.
pub async fn run(
    kind: RunKind,
    config: &SimConfig,
    book: &Book,
    bar: &ProgressBar,
) -> Result<RunOutput, SimError> {
    let started = Instant::now();
    let (params, note) = kind.params(&config.soft_overrides)?;
    bar.set_message("setting up");
    let mut world = setup(kind, config, book, params).await?;
    bar.set_message("running");
    let slots = config.slots;
    let mut series = RunSeries::with_capacity(slots as usize);
    let base = world.bank.slot().await + 1;
    for t in 0..slots {
        let sample = world.step(base, t).await?;
        series.push(sample);
        bar.inc(1);
    }
    if let (Some(dir), Some(csv)) = (std::env::var_os("SOFTLIQ_SIM_TRACE"), &world.trace_out) {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(format!("{}.csv", kind.name())),
            csv,
        );
    }
    let final_price = config.path.price_at(slots - 1);
    bar.set_message("checking invariants");
    harness::invariants::check(&mut world.bank, &world.tm)
        .await
        .map_err(|message| SimError::Invariant {
            run: kind.name(),
            message,
        })?;
    let market = world.tm.market_state(&mut world.bank).await;
    let (latent, fully_closed) = world.latent_and_closed(final_price, &market).await;
    let realised =
        (market.bad_debt_insurance_native as f64 + market.bad_debt_socialized_native as f64) / 1e6;
    let s = &world.stats;
    let metrics = RunMetrics {
        bad_debt: realised + latent,
        realised_bad_debt: realised,
        latent_bad_debt: latent,
        insurance_draw: market.bad_debt_insurance_native as f64 / 1e6,
        socialized_loss: market.bad_debt_socialized_native as f64 / 1e6,
        recovery_rate: ratio(s.proceeds as f64, s.sold_value_at_seizure),
        liquidated_notional: s.liquidated_notional as f64 / 1e6,
        max_slot_liquidated_notional: s.max_slot_notional as f64 / 1e6,
        max_price_impact_bps: s.max_impact_bps,
        borrower_loss_rate: ratio(s.loss, s.loss_base),
        positions_liquidated: world.liquidated.len() as u64,
        positions_fully_closed: fully_closed,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let lot_capacity = entries_of::<Lot>(&world.bank.data(&world.tm.lot_book).await)
        .map(|(h, _)| h.capacity)
        .unwrap_or(0);
    Ok(RunOutput {
        kind,
        metrics,
        series,
        unexpected_errors: world.errors,
        unexpected_error_count: world.error_count,
        note,
        max_open_lots: world.stats.max_open_lots,
        lot_capacity,
        transactions: world.bank.tx_count,
    })
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Lot book capacity for a book of `positions` (several lots per position
/// can be open at once under soft liquidation).
///
/// Two lots per position. The figures do not depend on it (a full book
/// makes cranks skip, and the ramp catches up later): on the crash preset
/// with 2,000 positions, default soft bad debt was 60,283 / 60,425 / 60,566
/// with 4,000 / 8,000 / 16,000 lots, while wall time grew 28 / 55 / 90 s,
/// since every instruction copies the lot book.
pub fn lot_capacity(positions: u64) -> u32 {
    (positions.saturating_mul(2)).clamp(1_024, MAX_LOT_CAPACITY as u64) as u32
}

async fn setup<'a>(
    kind: RunKind,
    config: &'a SimConfig,
    book: &Book,
    params: MarketParams,
) -> Result<World<'a>, SimError> {
    let fail = |message: String| SimError::Setup {
        run: kind.name(),
        message,
    };
    let start_price = config.path.start_price();
    let mut bank = Bank::start().await;
    let slab_sizes = book.slab_sizes();
    let risk = kind.risk(config.market_depth_quote);
    let cfg = MarketConfig {
        params,
        lot_capacity: match config.lot_capacity {
            0 => lot_capacity(config.positions),
            n => n,
        },
        slab_capacities: slab_sizes.iter().map(|n| (*n).max(1)).collect(),
        price: start_price,
        risk,
        ..MarketConfig::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    tm.check_invariants = false;

    let debt_native = (book.debt * 1e6) as u64;
    let lp_amount = (book.debt * LP_OVER_DEBT * 1e6) as u64 + 1_000_000;
    let insurance_amount = (book.debt * INSURANCE_SHARE * 1e6) as u64 + 1_000_000;
    let lp = tm.new_user(&mut bank, 0, lp_amount).await;
    tm.lp_deposit(&mut bank, &lp, lp_amount)
        .await
        .map_err(|e| fail(format!("LP deposit: {e:?}")))?;
    let insurer = tm.new_user(&mut bank, 0, insurance_amount).await;
    tm.insurance_deposit(&mut bank, &insurer, insurance_amount)
        .await
        .map_err(|e| fail(format!("insurance deposit: {e:?}")))?;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    // Bidders' cash: far more than the whole book is worth.
    let bidder_cash = debt_native.saturating_mul(100).max(1_000_000_000_000);
    let bidder = tm.new_user(&mut bank, 0, bidder_cash).await;

    let trader_collateral = book.trader_collateral();
    let mut traders = Vec::with_capacity(book.traders);
    for c in &trader_collateral {
        traders.push(tm.new_user(&mut bank, *c, 0).await);
    }
    let mut next_index = vec![0u32; book.slabs];
    let payer = bank.payer();
    for (t, trader) in traders.iter().enumerate() {
        let mut batch: Vec<Instruction> = Vec::new();
        for p in book.positions.iter().filter(|p| p.trader == t) {
            let slab = tm.slabs[p.slab];
            let pos = PosRef {
                slab,
                index: next_index[p.slab],
                generation: 0,
            };
            next_index[p.slab] += 1;
            let open = ix(
                softliq::accounts::OpenPosition {
                    owner: trader.key(),
                    market: tm.market,
                    slab,
                    system_program: anchor_lang::system_program::ID,
                },
                softliq::instruction::OpenPosition {},
            );
            let deposit = ix(
                tm.deposit_accounts(trader, pos),
                softliq::instruction::DepositCollateral {
                    index: pos.index,
                    generation: 0,
                    amount: p.collateral_native,
                },
            );
            let borrow = ix(
                tm.borrow_accounts(trader, pos),
                softliq::instruction::Borrow {
                    index: pos.index,
                    generation: 0,
                    amount: p.debt_native,
                },
            );
            let mut with = batch.clone();
            with.extend([open.clone(), deposit.clone(), borrow.clone()]);
            if !batch.is_empty() && !agents::fits(&payer, &with) {
                bank.send(&batch, &[&trader.kp])
                    .await
                    .map_err(|e| fail(format!("opening positions: {e:?}")))?;
                batch.clear();
                batch.extend([open, deposit, borrow]);
            } else {
                batch = with;
            }
        }
        if !batch.is_empty() {
            bank.send(&batch, &[&trader.kp])
                .await
                .map_err(|e| fail(format!("opening positions: {e:?}")))?;
        }
    }
    let market = tm.market_state(&mut bank).await;
    if market.positions_open != book.positions.len() as u64 {
        return Err(fail(format!(
            "{} positions open, {} wanted",
            market.positions_open,
            book.positions.len()
        )));
    }
    let amm = Amm::new(start_price, config.market_depth_quote, DEFAULT_FEE_BPS).map_err(|e| {
        SimError::Market {
            run: kind.name(),
            message: e.to_string(),
        }
    })?;
    let last_publish_slot = bank.slot().await;
    Ok(World {
        kind,
        config,
        bank,
        tm,
        keeper,
        bidder,
        params,
        risk,
        amm,
        oracle_price: start_price,
        last_publish_slot,
        lots: BTreeMap::new(),
        liquidated: BTreeSet::new(),
        stats: Stats::default(),
        errors: Vec::new(),
        error_count: 0,
        trace: SlotTrace::default(),
        trace_out: std::env::var_os("SOFTLIQ_SIM_TRACE").map(|_| {
            "t,fundamental,amm,oracle,candidates,cranks,lots_open,takes,settles,resets,taken_base,proceeds,notional,insurance,bad_debt,sigma_h_bps,addon_bps,maint_addon_bps,crank_ms,lot_ms,sample_ms\n".to_string()
        }),
    })
}

impl World<'_> {
    fn market_err(&self, e: impl std::fmt::Display) -> SimError {
        SimError::Market {
            run: self.kind.name(),
            message: e.to_string(),
        }
    }

    fn unexpected(&mut self, slot: u64, what: &str, e: &TxError) {
        self.error_count += 1;
        if self.errors.len() < KEPT_ERRORS {
            let detail = match e {
                TxError::Custom(c) => format!("custom error {c} ({})", error_name(*c)),
                TxError::Other(s) => s.clone(),
            };
            self.errors.push(format!(
                "run {} slot {slot}: {what}: {detail}",
                self.kind.name()
            ));
        }
    }

    fn oracle_fresh(&self, slot: u64) -> bool {
        slot.saturating_sub(self.last_publish_slot) <= self.params.max_oracle_age_slots
    }

    /// Slot `base + t`: arbitrage, oracle update, keepers, bidders, sample.
    async fn step(&mut self, base: u64, t: u64) -> Result<SlotSample, SimError> {
        let slot = base + t;
        self.bank.warp_to(slot).await;
        let fundamental = self.config.path.price_at(t);
        self.amm
            .arbitrage_toward(fundamental, self.config.arb_strength)
            .map_err(|e| self.market_err(e))?;
        if self.config.path.oracle_live(t) {
            self.oracle_price = self.amm.price();
            self.tm.set_price(&mut self.bank, self.oracle_price).await;
            self.last_publish_slot = slot;
            // Keepers of a dynamic market feed every slot's price to the
            // volatility estimate, liquidations or not (`refresh_risk`).
            if self.kind.keepers() && self.risk.vol_enabled == 1 {
                if let Err(e) = self.tm.refresh_risk(&mut self.bank).await {
                    self.unexpected(slot, "refresh_risk", &e);
                }
            }
        }
        let mut notional = 0u128;
        self.trace = SlotTrace::default();
        if self.kind.keepers() {
            let clock = Instant::now();
            if self.oracle_fresh(slot) {
                self.crank_all(slot).await;
            }
            self.trace.crank_ms = clock.elapsed().as_secs_f64() * 1e3;
            let clock = Instant::now();
            notional = self.lot_phase(slot).await?;
            self.trace.lot_ms = clock.elapsed().as_secs_f64() * 1e3;
        }
        let clock = Instant::now();
        self.stats.liquidated_notional += notional;
        self.stats.max_slot_notional = self.stats.max_slot_notional.max(notional);
        self.stats.max_impact_bps = self
            .stats
            .max_impact_bps
            .max(self.amm.price_impact_bps(fundamental));

        let market = self.tm.market_state(&mut self.bank).await;
        let (latent, _) = self.latent_and_closed(fundamental, &market).await;
        let realised = (market.bad_debt_insurance_native as f64
            + market.bad_debt_socialized_native as f64)
            / 1e6;
        let sample = SlotSample {
            oracle_price: self.oracle_price,
            fundamental,
            liquidated_notional: notional as f64 / 1e6,
            insurance_balance: market.insurance_balance_native as f64 / 1e6,
            bad_debt: realised + latent,
        };
        self.trace.sample_ms = clock.elapsed().as_secs_f64() * 1e3;
        if let Some(csv) = self.trace_out.as_mut() {
            let tr = self.trace;
            csv.push_str(&format!(
                "{t},{:.4},{:.4},{:.4},{},{},{},{},{},{},{:.3},{:.2},{:.2},{:.2},{:.2},{},{},{},{:.2},{:.2},{:.2}\n",
                fundamental,
                self.amm.price(),
                self.oracle_price,
                tr.candidates,
                tr.cranks,
                tr.lots_open,
                tr.takes,
                tr.settles,
                tr.resets,
                tr.taken_collateral as f64 / 1e9,
                tr.proceeds as f64 / 1e6,
                sample.liquidated_notional,
                sample.insurance_balance,
                sample.bad_debt,
                market.risk_state.sigma_horizon_bps,
                market.risk_state.addon_bps,
                market.risk_state.maint_addon_bps,
                tr.crank_ms,
                tr.lot_ms,
                tr.sample_ms
            ));
        }
        Ok(sample)
    }

    /// Keepers: every liquidatable position, ranked as the keeper crate's
    /// `scan::rank_for_crank` does (highest loan-to-value first under a
    /// per-slot budget, most unhealthy first without one), packed into
    /// cranks; stops once the market's per-slot budget is spent.
    async fn crank_all(&mut self, slot: u64) {
        let price = oracle_scaled(self.oracle_price);
        // As the crank will see it: margins with their volatility add-ons
        // and the depth budget in `market.params`.
        let market = agents::as_crank_sees(
            &self.tm.market_state(&mut self.bank).await,
            slot,
            Some(price),
        );
        let mut candidates = Vec::new();
        for slab in self.tm.slabs.clone() {
            let data = self.bank.data(&slab).await;
            candidates.extend(agents::liquidatable(&market, &slab, &data, price, slot));
        }
        self.trace.candidates = candidates.len();
        if candidates.is_empty() {
            return;
        }
        agents::rank_for_crank(&mut candidates, &market.params);
        let per_crank = market.params.max_positions_per_crank as usize;
        let budget = market.params.max_liq_notional_per_slot;
        let payer = self.bank.payer();
        let batches = agents::pack_cranks(&candidates, per_crank, &payer, |slab, entries| {
            self.tm.crank_ix(&self.keeper, slab, entries)
        });
        for batch in batches {
            if budget != 0 {
                // Stop once the slot's budget (adaptive level) and urgent
                // allowance are both spent.
                let m = self.tm.market_state(&mut self.bank).await;
                if softliq::engine::budget::at_slot(&m, &market.params, slot).exhausted() {
                    break;
                }
            }
            let n = batch.entries.len();
            let ixn = self.tm.crank_ix(&self.keeper, batch.slab, batch.entries);
            self.trace.cranks += 1;
            if let Err(e) = self.bank.send(&[ixn], &[&self.keeper.kp]).await {
                self.unexpected(slot, &format!("crank_liquidate of {n} entries"), &e);
            }
        }
    }

    /// Lots: record new ones, settle sold-out ones, reset stale auctions,
    /// let the bidder take what is worth taking. Returns the notional seized
    /// this slot (oracle value of the new lots).
    async fn lot_phase(&mut self, slot: u64) -> Result<u128, SimError> {
        let mut open = self.read_lots().await;
        self.stats.max_open_lots = self.stats.max_open_lots.max(open.len());
        self.trace.lots_open = open.len();
        let mut notional = 0u128;
        for (r, lot) in &open {
            let key = (r.index, r.generation);
            if self.lots.contains_key(&key) {
                continue;
            }
            self.lots.insert(
                key,
                LotTrack {
                    initial_collateral: lot.collateral_native,
                    seized_value: lot.seized_value_native,
                    debt_moved: lot.tab_debt_native,
                },
            );
            notional += lot.seized_value_native as u128;
            self.liquidated
                .insert((lot.slab, lot.position_index, lot.position_generation));
        }

        let sold_out: Vec<LotRef> = open
            .iter()
            .filter(|(_, l)| l.collateral_native == 0)
            .map(|(r, _)| *r)
            .collect();
        self.settle_all(slot, sold_out).await;
        if self.oracle_fresh(slot) {
            let stale: Vec<LotRef> = open
                .iter()
                .filter(|(_, l)| {
                    l.collateral_native > 0 && agents::needs_reset(&self.params, l, slot)
                })
                .map(|(r, _)| *r)
                .collect();
            if !stale.is_empty() {
                for r in stale {
                    self.trace.resets += 1;
                    if let Err(e) = self.tm.reset(&mut self.bank, &self.keeper, r).await {
                        self.unexpected(
                            slot,
                            &format!("auction_reset of lot {}/{}", r.index, r.generation),
                            &e,
                        );
                    }
                }
                open = self.read_lots().await;
            }
        }
        let plans = self
            .plan_takes(slot, &open)
            .map_err(|e| self.market_err(e))?;
        let sold_out = self.send_takes(slot, plans).await?;
        self.settle_all(slot, sold_out).await;
        Ok(notional)
    }

    async fn read_lots(&mut self) -> Vec<(LotRef, Lot)> {
        let data = self.bank.data(&self.tm.lot_book).await;
        let Some((header, lots)) = entries_of::<Lot>(&data) else {
            return Vec::new();
        };
        lots[..(header.next_unused as usize).min(lots.len())]
            .iter()
            .enumerate()
            .filter(|(_, l)| l.in_use())
            .map(|(i, l)| {
                (
                    LotRef {
                        index: i as u32,
                        generation: l.generation,
                    },
                    *l,
                )
            })
            .collect()
    }

    /// The bidder, cheapest lots first: takes as much of each lot as it can
    /// resell in the external market at an average price at least
    /// `BIDDER_MARGIN` above what it pays (its own sales moving the price).
    fn plan_takes(
        &self,
        slot: u64,
        open: &[(LotRef, Lot)],
    ) -> Result<Vec<TakePlan>, crate::market::MarketError> {
        let mut offers: Vec<(u64, LotRef, Lot)> = open
            .iter()
            .filter_map(|(r, l)| {
                let keep = 1.0 - f64::from(DEFAULT_FEE_BPS) / 1e4;
                // Valuation of the first unit: the market's marginal resale price, less the margin.
                let valuation = (self.amm.price() * keep * (1.0 - BIDDER_MARGIN) * 1e9) as u64;
                agents::take_price(&self.params, l, slot, valuation).map(|price| (price, *r, *l))
            })
            .collect();
        offers.sort_by_key(|(price, r, _)| (*price, r.index));
        let mut amm = self.amm.clone();
        let keep = 1.0 - f64::from(amm.fee_bps()) / 1e4;
        let mut plans = Vec::new();
        for (price, lot_ref, lot) in offers {
            let paid_per_base = price as f64 / 1e9;
            let want = if paid_per_base <= 0.0 {
                lot.collateral_native
            } else {
                // Average resale of x base: Q·keep / (B + keep·x) ≥ paid / (1 − margin).
                let need = paid_per_base / (1.0 - BIDDER_MARGIN);
                let x = (amm.quote_reserve() * keep / need - amm.base_reserve()) / keep;
                if x <= 0.0 {
                    break; // the cheapest remaining lot is not worth it: none is
                }
                ((x * 1e9).floor() as u64).min(lot.collateral_native)
            };
            if want == 0 {
                break;
            }
            let dust = self.params.dust_native;
            let mut result = auction::take(
                lot.collateral_native,
                lot.tab_debt_native,
                lot.tab_penalty_native,
                price,
                want,
                dust,
            );
            if result == Err(TakeError::LeavesDust) {
                // Leave exactly the dust instead.
                let tab = lot.tab_debt_native + lot.tab_penalty_native;
                let smaller = ((tab.saturating_sub(dust).saturating_sub(1)) as u128
                    * softliq::math::PRICE_SCALE as u128
                    / price.max(1) as u128) as u64;
                result = auction::take(
                    lot.collateral_native,
                    lot.tab_debt_native,
                    lot.tab_penalty_native,
                    price,
                    smaller,
                    dust,
                );
            }
            let Ok(take) = result else {
                continue;
            };
            amm.sell_base(take.collateral_out_native as f64 / 1e9)?;
            plans.push(TakePlan {
                lot_ref,
                lot,
                price,
                take,
            });
        }
        Ok(plans)
    }

    fn take_ix(&self, p: &TakePlan) -> Instruction {
        ix(
            self.tm.take_accounts(&self.bidder, Some(p.lot.slab), None),
            softliq::instruction::AuctionTake {
                lot_index: p.lot_ref.index,
                lot_generation: p.lot_ref.generation,
                max_collateral: p.take.collateral_out_native,
                max_price: p.price,
            },
        )
    }

    /// Sends the takes packed into transactions; a failed transaction is
    /// retried take by take. Returns the lots sold out with debt left.
    async fn send_takes(
        &mut self,
        slot: u64,
        plans: Vec<TakePlan>,
    ) -> Result<Vec<LotRef>, SimError> {
        let payer = self.bank.payer();
        let ixs: Vec<Instruction> = plans.iter().map(|p| self.take_ix(p)).collect();
        let groups = pack_by_size(&payer, ixs.len(), |i| ixs[i].clone());
        let mut sold_out = Vec::new();
        for group in groups {
            let batch: Vec<Instruction> = group.clone().map(|i| ixs[i].clone()).collect();
            if self.bank.send(&batch, &[&self.bidder.kp]).await.is_ok() {
                for p in &plans[group] {
                    sold_out.extend(self.after_take(p)?);
                }
                continue;
            }
            for p in &plans[group] {
                match self.bank.send(&[self.take_ix(p)], &[&self.bidder.kp]).await {
                    Ok(()) => sold_out.extend(self.after_take(p)?),
                    Err(e) => self.unexpected(
                        slot,
                        &format!(
                            "auction_take of lot {}/{} ({} collateral at price {})",
                            p.lot_ref.index,
                            p.lot_ref.generation,
                            p.take.collateral_out_native,
                            p.price
                        ),
                        &e,
                    ),
                }
            }
        }
        Ok(sold_out)
    }

    /// Books a successful take: the bidder resells at once; a closed lot's
    /// owner outcome is recorded. Returns the lot when it is sold out with
    /// debt left (to settle).
    fn after_take(&mut self, p: &TakePlan) -> Result<Option<LotRef>, SimError> {
        let t = &p.take;
        self.trace.takes += 1;
        self.trace.taken_collateral += t.collateral_out_native;
        self.trace.proceeds += t.paid_native;
        self.amm
            .sell_base(t.collateral_out_native as f64 / 1e9)
            .map_err(|e| self.market_err(e))?;
        let key = (p.lot_ref.index, p.lot_ref.generation);
        let track = *self
            .lots
            .get(&key)
            .expect("every lot is recorded before it is taken");
        self.stats.proceeds += t.paid_native as u128;
        self.stats.sold_value_at_seizure += track.value_at_seizure(t.collateral_out_native);
        let left_collateral = p.lot.collateral_native - t.collateral_out_native;
        let left_debt = p.lot.tab_debt_native - t.to_pool_native;
        if t.tab_closed || (left_collateral == 0 && left_debt == 0) {
            self.close_lot(key, left_collateral);
        } else if left_collateral == 0 {
            return Ok(Some(p.lot_ref));
        }
        Ok(None)
    }

    /// Records what the owner of a closed lot lost beyond the debt moved off
    /// the position: collateral not returned, at the seizure price, minus
    /// that debt (penalty plus auction discount; negative when underwater).
    fn close_lot(&mut self, key: (u32, u32), returned_collateral: u64) {
        if let Some(track) = self.lots.get(&key) {
            let kept = track.initial_collateral.saturating_sub(returned_collateral);
            self.stats.loss += track.value_at_seizure(kept) - track.debt_moved as f64;
            self.stats.loss_base += track.seized_value as f64;
        }
    }

    fn settle_ix(&self, r: LotRef) -> Instruction {
        let tm = &self.tm;
        ix(
            softliq::accounts::AuctionSettle {
                caller: self.keeper.key(),
                market: tm.market,
                lot_book: tm.lot_book,
                insurance_vault: tm.insurance_vault,
                debt_vault: tm.debt_vault,
                debt_mint: tm.debt_mint,
                vault_auth: tm.vault_auth,
                debt_token_program: tm.debt_program,
            },
            softliq::instruction::AuctionSettle {
                lot_index: r.index,
                lot_generation: r.generation,
            },
        )
    }

    /// Settles sold-out lots, packed into transactions (retried one by one
    /// when a transaction fails).
    async fn settle_all(&mut self, slot: u64, lots: Vec<LotRef>) {
        let payer = self.bank.payer();
        let ixs: Vec<Instruction> = lots.iter().map(|r| self.settle_ix(*r)).collect();
        for group in pack_by_size(&payer, ixs.len(), |i| ixs[i].clone()) {
            let batch: Vec<Instruction> = group.clone().map(|i| ixs[i].clone()).collect();
            self.trace.settles += batch.len();
            if self.bank.send(&batch, &[&self.keeper.kp]).await.is_ok() {
                for r in &lots[group] {
                    self.close_lot((r.index, r.generation), 0);
                }
                continue;
            }
            for r in &lots[group] {
                match self
                    .bank
                    .send(&[self.settle_ix(*r)], &[&self.keeper.kp])
                    .await
                {
                    Ok(()) => self.close_lot((r.index, r.generation), 0),
                    Err(e) => self.unexpected(
                        slot,
                        &format!("auction_settle of lot {}/{}", r.index, r.generation),
                        &e,
                    ),
                }
            }
        }
    }

    /// Latent bad debt at `price` (open positions and unsold lots, debt
    /// minus collateral value where positive), and how many liquidated
    /// positions have no debt left.
    async fn latent_and_closed(&mut self, price: f64, market: &Market) -> (f64, u64) {
        let mut latent = 0.0;
        let mut closed = 0u64;
        for slab in self.tm.slabs.clone() {
            let data = self.bank.data(&slab).await;
            let Some((header, positions)) = entries_of::<Position>(&data) else {
                continue;
            };
            for (i, p) in positions[..(header.next_unused as usize).min(positions.len())]
                .iter()
                .enumerate()
            {
                if !p.in_use() {
                    continue;
                }
                let debt = health::debt_native(p.debt_shares, market.borrow_index)
                    .unwrap_or(u64::MAX) as f64
                    / 1e6;
                let value = p.collateral_native as f64 / 1e9 * price;
                latent += (debt - value).max(0.0);
                if p.debt_shares == 0 && self.liquidated.contains(&(slab, i as u32, p.generation)) {
                    closed += 1;
                }
            }
        }
        for (_, lot) in self.read_lots().await {
            let value = lot.collateral_native as f64 / 1e9 * price;
            latent += (lot.tab_debt_native as f64 / 1e6 - value).max(0.0);
        }
        (latent, closed)
    }
}

/// Consecutive ranges of `n` instructions, each range fitting in one
/// transaction (with room for what the bank adds).
fn pack_by_size(
    payer: &Pubkey,
    n: usize,
    ix_at: impl Fn(usize) -> Instruction,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Vec<Instruction> = Vec::new();
    for i in 0..n {
        current.push(ix_at(i));
        if current.len() > 1 && !agents::fits(payer, &current) {
            out.push(start..i);
            start = i;
            current = vec![ix_at(i)];
        }
    }
    if start < n {
        out.push(start..n);
    }
    out
}

/// The name of a softliq error code, for messages.
pub fn error_name(code: u32) -> String {
    let known = [
        (code_of(SoftliqError::OracleStaleSlots), "OracleStaleSlots"),
        (code_of(SoftliqError::OracleStaleSecs), "OracleStaleSecs"),
        (code_of(SoftliqError::MathOverflow), "MathOverflow"),
        (code_of(SoftliqError::LotNeedsReset), "LotNeedsReset"),
        (code_of(SoftliqError::PriceAboveMax), "PriceAboveMax"),
        (code_of(SoftliqError::TakeLeavesDust), "TakeLeavesDust"),
        (code_of(SoftliqError::NothingToTake), "NothingToTake"),
        (code_of(SoftliqError::ResetTooEarly), "ResetTooEarly"),
        (code_of(SoftliqError::LotNotSettleable), "LotNotSettleable"),
    ];
    match known.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => name.to_string(),
        None => format!(
            "SoftliqError #{}",
            code.wrapping_sub(anchor_lang::error::ERROR_CODE_OFFSET)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_has_valid_parameters() {
        for kind in RUNS {
            let (p, _) = kind.params(&[]).unwrap();
            assert_eq!(validate(&p), Ok(()), "{}", kind.name());
        }
        let (hard, _) = RunKind::Hard.params(&[]).unwrap();
        assert_eq!(
            hard.target_margin_bps,
            softliq::engine::params::TARGET_CLOSE_ALL
        );
        assert_eq!(
            (hard.liq_ramp_slots, hard.max_liq_notional_per_slot),
            (0, 0)
        );
        let (partial, _) = RunKind::Partial.params(&[]).unwrap();
        assert_eq!(partial.close_factor_bps, 5_000);
    }

    #[test]
    fn oracle_price_matches_the_program_scale() {
        // 100 quote per base: 100e6 quote native per 1e9 base native, × 1e12.
        assert_eq!(oracle_scaled(100.0), 100_000_000_000);
        assert_eq!(oracle_scaled(61.25), 61_250_000_000);
    }
}
