//! The runs: one per liquidation mechanism (`config::RunKind`), each on the same
//! book and price path in its own bank, in parallel up to `--jobs`
//! ([`simulate`]); one run's slots and final metrics ([`run`]).
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use softliq::state::{entries_of, Lot};

use crate::book::Book;
use crate::config::{RunKind, SimConfig, SimError};
use crate::report::describe::{describe, RunFacts};
use crate::report::{Report, RunMetrics, RunSeries};
use crate::world::World;

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

impl RunOutput {
    /// What report.md says about the run besides its metrics.
    fn facts(&self) -> RunFacts {
        RunFacts {
            kind: self.kind,
            note: self.note.clone(),
            max_open_lots: self.max_open_lots,
            lot_capacity: self.lot_capacity,
            transactions: self.transactions,
        }
    }
}

impl SimOutput {
    pub fn unexpected_errors(&self) -> u64 {
        self.runs.iter().map(|r| r.unexpected_error_count).sum()
    }
}

fn progress_bars(config: &SimConfig) -> (MultiProgress, Vec<ProgressBar>) {
    let progress = if config.quiet {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
    };
    let style = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {msg}")
        .expect("template")
        .progress_chars("=> ");
    let bars = config
        .runs
        .iter()
        .map(|k| {
            let bar = progress.add(ProgressBar::new(config.slots));
            bar.set_style(style.clone());
            bar.set_prefix(k.name());
            bar.set_message("waiting");
            bar
        })
        .collect();
    (progress, bars)
}

/// One run on its own single-threaded runtime; a panic becomes [`SimError::Panic`].
fn run_caught(
    kind: RunKind,
    config: &SimConfig,
    book: &Book,
    bar: &ProgressBar,
) -> Result<RunOutput, SimError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(run(kind, config, book, bar))
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
    })
}

/// Runs every mechanism of `config.runs` on the same book and path (in
/// parallel up to `config.jobs`), then assembles the report.
pub fn simulate(config: &SimConfig) -> Result<SimOutput, SimError> {
    let book = Book::generate(
        config.positions,
        config.book_collateral_quote,
        config.path.start_price(),
        config.seed,
    );
    let kinds = &config.runs;
    let (_progress, bars) = progress_bars(config);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RunOutput, SimError>>>> =
        Mutex::new(kinds.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..config.jobs.clamp(1, kinds.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= kinds.len() {
                    break;
                }
                let out = run_caught(kinds[i], config, &book, &bars[i]);
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
    let facts: Vec<RunFacts> = runs.iter().map(RunOutput::facts).collect();
    let extra_markdown = describe(config, &book, &facts);
    Ok(SimOutput {
        report,
        series,
        runs,
        book,
        extra_markdown,
    })
}

/// One run: setup, then every slot of the path, then the invariants and the
/// metrics.
pub async fn run(
    kind: RunKind,
    config: &SimConfig,
    book: &Book,
    bar: &ProgressBar,
) -> Result<RunOutput, SimError> {
    let started = Instant::now();
    let (params, note) = kind.params(config.market_depth_quote, &config.soft_overrides)?;
    bar.set_message("setting up");
    let mut world = World::setup(kind, config, book, params).await?;
    bar.set_message("running");
    let slots = config.slots;
    let mut series = RunSeries::with_capacity(slots as usize);
    let base = world.bank.slot().await + 1;
    for t in 0..slots {
        let sample = world.step(base, t).await?;
        series.push(sample);
        bar.inc(1);
    }
    if let Some(dir) = &config.trace_dir {
        world.trace.write(dir, kind.name());
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
        max_sale_impact_bps: s.max_sale_impact_bps,
        borrower_loss_rate: ratio(s.loss, s.loss_base),
        positions_liquidated: world.liquidated.len() as u64,
        positions_fully_closed: fully_closed,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    // What the stressed bidders went through (config::BidderStress).
    let note = match (&config.bidder_stress, note) {
        (Some(_), note) if kind.keepers() => {
            let b = &world.bidders;
            let stress = format!(
                "bidders: no bid landed in {} of {} slots; capital cut takes short in {}",
                b.congested_slots, slots, b.capital_bound_slots
            );
            Some(note.map_or(stress.clone(), |n| format!("{n}; {stress}")))
        }
        (_, note) => note,
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
