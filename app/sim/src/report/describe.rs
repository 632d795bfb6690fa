//! The text under the heading of report.md: the book against the market's
//! depth, the external market, the agents, the metrics' definitions, and
//! each run's parameters.
use softliq::engine::auction::{CURVE_ANCHORED, CURVE_LINEAR};
use softliq::math::BPS;

use crate::book::{Book, MAX_LTV, MIN_LTV, SIZE_SPREAD};
use crate::config::{RunKind, SimConfig, BIDDER_MARGIN, INSURANCE_SHARE, LP_OVER_DEBT};
use crate::market::DEFAULT_FEE_BPS;
use crate::report::format::{count, quote};

/// What report.md says about a run besides its metrics.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub kind: RunKind,
    pub note: Option<String>,
    /// Most lots open at once, and the lot book's capacity.
    pub max_open_lots: usize,
    pub lot_capacity: u32,
    pub transactions: u64,
}

/// The book, market, agents and metrics, then one paragraph per run.
pub fn describe(config: &SimConfig, book: &Book, runs: &[RunFacts]) -> String {
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
         and the fundamental path (arbitrage lag included); `max_sale_impact_bps` = worst end-of-slot gap \
         between the external market and the same market without the run's sales (arbitrage only), \
         the run's own price impact; `recovery_rate` and `borrower_loss_rate` are 0 when nothing was sold.",
        count(book.positions.len() as u64),
        book.slabs,
        quote(book.collateral_value),
        book.collateral_value / config.market_depth_quote,
        quote(config.market_depth_quote),
        quote(book.debt),
        MIN_LTV * 100.0,
        MAX_LTV * 100.0,
        SIZE_SPREAD,
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
    if let Some(st) = &config.bidder_stress {
        s.push_str("\n\n");
        s.push_str(&st.describe(config.market_depth_quote));
    }
    s.push_str("\n\nRuns (each expressed as parameters of the same program):\n\n");
    for r in runs {
        let p = r
            .kind
            .params(config.market_depth_quote, &config.soft_overrides)
            .map(|(p, _)| p)
            .unwrap_or_default();
        s.push_str(&format!(
            "- `{}`: {}target {} bps, maint {} bps, penalty {} bps, lot buffer {} bps, close factor {} bps, \
             ramp {} slots, budget {} quote/slot, auction start {} bps of oracle, {}{}; at most {} lots open \
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
            match p.auction_curve {
                CURVE_LINEAR => format!("linear to zero over {} slots", count(p.auction_tau_slots)),
                CURVE_ANCHORED => format!(
                    "−{} bps every {} slots, anchored to the slot's oracle price",
                    BPS - p.auction_cut_bps,
                    p.auction_step_slots
                ),
                _ => format!("−{} bps every {} slots", BPS - p.auction_cut_bps, p.auction_step_slots),
            },
            if p.auction_hold_slots == 0 {
                String::new()
            } else {
                format!(
                    ", insolvent lots held at their debt price for {} slots",
                    count(p.auction_hold_slots)
                )
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
        let risk = r
            .kind
            .risk_with(&p, config.market_depth_quote, &config.soft_overrides)
            .unwrap_or_else(|_| r.kind.risk(config.market_depth_quote));
        if risk.vol_enabled == 1 {
            s.push_str(&format!(
                "  Volatility-scaled margins: + {:.1}σ over {} slots (variance half-life {} slots, one \
                 update's move capped at {} bps), add-on capped at {} bps and moving at most {} bps \
                 a slot (liquidations use the add-on one slot later).\n",
                risk.vol_k_bps as f64 / 1e4,
                risk.vol_horizon_slots,
                risk.vol_half_life_slots,
                risk.vol_max_move_bps,
                risk.margin_addon_cap_bps,
                risk.margin_step_bps,
            ));
        }
        if risk.budget_depth_bps > 0 {
            s.push_str(&format!(
                "  Depth budget: {} bps of the depth ({} quote) a slot, shrinking to {} bps of that \
                 at the add-on's cap.\n",
                risk.budget_depth_bps,
                quote(risk.depth_native as f64 / 1e6),
                risk.budget_floor_bps,
            ));
        }
        if risk.budget_growth_bps > 0 || risk.urgent_gap_bps > 0 {
            s.push_str(&format!(
                "  Adaptive budget: ×{:.2} per bound slot up to {:.0}× the base; urgent tier within \
                 {} bps of insolvency with {:.0}× the base as its allowance.\n",
                1.0 + risk.budget_growth_bps as f64 / 1e4,
                risk.budget_cap_bps as f64 / 1e4,
                risk.urgent_gap_bps,
                risk.urgent_budget_bps as f64 / 1e4,
            ));
        }
        if let Some(note) = &r.note {
            s.push_str(&format!("  Note: {note}.\n"));
        }
    }
    s
}
