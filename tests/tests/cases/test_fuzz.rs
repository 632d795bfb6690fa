//! Stateful fuzzing of the real program: random sequences of every
//! instruction by random actors, with random amounts (0, 1, u64::MAX and
//! anything between), random oracle moves, slot jumps, stale and wide prices.
//! The harness checks every invariant of docs/security.md after every
//! successful instruction; a refused instruction must change nothing. Extra
//! checks here: a crank never leaves a solvent position insolvent, and the
//! bad-debt counters equal the shortfalls settled.
//!
//! Since the second red-team round also: long slot gaps (past the parameter
//! notice, and gaps of u32::MAX slots that saturate the borrow index), older
//! verified oracle updates, parameter announcements and applications, and
//! exits right after a crash (each exit is checked against the loss already
//! certain, `invariants::fair_exit`), and the mint authority minting to
//! actors. (The harness's mints have no freeze or close authority: softliq
//! refuses those at creation, `test_redteam`.) Half the cases run the
//! anchored auction (`CURVE_ANCHORED`), whose takes price from the slot's
//! oracle price when a crank or `refresh_risk` fed one. Of the cases with
//! volatility-scaled margins, some grow the budget under pressure and some
//! run the urgent tier: a lot seized beyond the base (`LOT_OVERFLOW`) must
//! appear only there.
//!
//! Short run in the normal suite; a long run with
//! `SOFTLIQ_FUZZ_CASES=200 SOFTLIQ_FUZZ_STEPS=400 cargo test --release -p softliq-tests --test test_all fuzz -- --nocapture`.
use std::collections::BTreeMap;

use harness::bank::Bank;
use harness::market::{LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use harness::pyth::FeedPrice;
use softliq::engine::health::{debt_native, value_of_or_max};
use softliq::state::MarketParams;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// 0, 1, u64::MAX, or a "reasonable" amount up to `scale`.
    fn amount(&mut self, scale: u64) -> u64 {
        match self.below(10) {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            _ => 1 + self.below(scale),
        }
    }
}

#[derive(Default, Debug)]
struct Stats {
    steps: u64,
    ok: BTreeMap<&'static str, u64>,
    refused: BTreeMap<&'static str, u64>,
    invariant_checks: u64,
    shortfall_settled: u64,
    /// Takes tried on a held lot (insolvent, first round, within the hold)
    /// and those that went through, each at or above the lot's debt price.
    held_takes: (u64, u64),
    /// Lots seized beyond the base budget (`LOT_OVERFLOW`), seen after cranks.
    overflow_lots: u64,
}

impl Stats {
    fn count(&mut self, kind: &'static str, ok: bool) {
        *if ok { &mut self.ok } else { &mut self.refused }
            .entry(kind)
            .or_default() += 1;
    }
}

async fn run_case(seed: u64, steps: u64, stats: &mut Stats) {
    let mut rng = Rng(seed | 1);
    let mut bank = Bank::start().await;
    let params = MarketParams {
        liq_ramp_slots: rng.below(6),
        max_liq_notional_per_slot: [0, 300_000_000, 5_000_000_000][rng.below(3) as usize],
        max_lot_collateral_native: [0, 20_000_000_000][rng.below(2) as usize],
        insurance_withdraw_cooldown_slots: 20,
        auction_tail_slots: 40,
        // Two cases in three hold insolvent lots (docs/auction-hold.md), some past the tail.
        auction_hold_slots: [0, 30, 60][rng.below(3) as usize],
        // Half the cases anchor the auction to the slot's oracle price.
        auction_curve: [
            softliq::engine::auction::CURVE_STEP_EXP,
            softliq::engine::auction::CURVE_ANCHORED,
        ][rng.below(2) as usize],
        ..MarketParams::default_soft()
    };
    // Half the cases run volatility-scaled margins and a depth budget.
    let risk = if rng.below(2) == 1 {
        softliq::state::RiskParams {
            vol_enabled: 1,
            vol_half_life_slots: 5 + rng.below(100),
            vol_horizon_slots: 10 + rng.below(200),
            margin_addon_cap_bps: 1_000,
            margin_step_bps: 1 + rng.below(50),
            depth_native: 1_000_000_000_000,
            budget_depth_bps: [0, 5, 100][rng.below(3) as usize],
            // Some of them with the adaptive budget and the urgent tier, whose
            // seizures beyond the base are held (`LOT_OVERFLOW`).
            budget_growth_bps: [0, 5_000][rng.below(2) as usize],
            budget_cap_bps: 100_000,
            urgent_gap_bps: [0, 300][rng.below(2) as usize],
            urgent_budget_bps: 100_000,
            ..softliq::state::RiskParams::static_default()
        }
    } else {
        softliq::state::RiskParams::static_default()
    };
    let cfg = MarketConfig {
        params,
        risk,
        slab_capacities: vec![12, 12],
        lot_capacity: 64,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let mut actors: Vec<TestUser> = vec![];
    for _ in 0..4 {
        actors.push(
            tm.new_user(&mut bank, 1_000_000_000_000, 1_000_000_000_000)
                .await,
        );
    }
    let mut positions: Vec<(usize, PosRef)> = vec![];
    let mut price = 100.0f64;
    // A live market to start from: a pool, an insurance fund, levered positions.
    tm.lp_deposit(&mut bank, &actors[0], 500_000_000_000)
        .await
        .unwrap();
    tm.insurance_deposit(&mut bank, &actors[1], 10_000_000_000)
        .await
        .unwrap();
    for i in 0..8usize {
        let owner = i % actors.len();
        let c = 10_000_000_000 + rng.below(40_000_000_000);
        let ltv_bps = 6_000 + rng.below(2_900) as u128;
        let debt = (c as u128 * 100 / 1_000 * ltv_bps / 10_000) as u64;
        let p = tm
            .open_levered(&mut bank, &actors[owner], tm.slabs[i % 2], c, debt)
            .await;
        positions.push((owner, p));
    }
    for _ in 0..steps {
        stats.steps += 1;
        let a = rng.below(actors.len() as u64) as usize;
        let user = &actors[a];
        let pos =
            (!positions.is_empty()).then(|| positions[rng.below(positions.len() as u64) as usize]);
        let kind = rng.below(21);
        let res: (&'static str, bool) = match kind {
            0 => (
                "lp_deposit",
                tm.lp_deposit(&mut bank, user, rng.amount(50_000_000_000))
                    .await
                    .is_ok(),
            ),
            1 => (
                "lp_withdraw",
                tm.lp_withdraw(&mut bank, user, rng.amount(50_000_000_000))
                    .await
                    .is_ok(),
            ),
            2 => {
                let slab = tm.slabs[rng.below(2) as usize];
                match tm.open_position(&mut bank, user, slab).await {
                    Ok(p) => {
                        positions.push((a, p));
                        ("open_position", true)
                    }
                    Err(_) => ("open_position", false),
                }
            }
            3 | 4 => match pos {
                Some((o, p)) => (
                    "deposit_collateral",
                    tm.deposit(&mut bank, &actors[o], p, rng.amount(20_000_000_000))
                        .await
                        .is_ok(),
                ),
                None => ("deposit_collateral", false),
            },
            5 => match pos {
                Some((o, p)) => (
                    "withdraw_collateral",
                    tm.withdraw(&mut bank, &actors[o], p, rng.amount(5_000_000_000))
                        .await
                        .is_ok(),
                ),
                None => ("withdraw_collateral", false),
            },
            6 | 7 => match pos {
                Some((o, p)) => {
                    // Mostly a borrow near the position's limit, so that price moves liquidate it.
                    let c = tm.position(&mut bank, p).await.collateral_native as u128;
                    let near =
                        (c * ((price * 1e8) as u128) / 100_000_000 / 1_000 * 85 / 100) as u64;
                    let amt = if rng.below(3) == 0 {
                        rng.amount(2_000_000_000)
                    } else {
                        near.max(1)
                    };
                    (
                        "borrow",
                        tm.borrow(&mut bank, &actors[o], p, amt).await.is_ok(),
                    )
                }
                None => ("borrow", false),
            },
            8 => match pos {
                Some((_, p)) => (
                    "repay",
                    tm.repay(&mut bank, user, p, rng.amount(1_000_000_000))
                        .await
                        .is_ok(),
                ),
                None => ("repay", false),
            },
            9 => match pos {
                Some((o, p)) => {
                    let ok = tm.close(&mut bank, &actors[o], p).await.is_ok();
                    if ok {
                        positions.retain(|(_, q)| *q != p);
                    }
                    ("close_position", ok)
                }
                None => ("close_position", false),
            },
            10 | 11 => {
                // Crank a random subset (including stale refs); check solvency is never broken by it.
                let mut refs: Vec<PosRef> = positions
                    .iter()
                    .map(|(_, p)| *p)
                    .filter(|_| rng.below(2) == 0)
                    .collect();
                if let Some(p) = refs.first().copied() {
                    refs.retain(|q| q.slab == p.slab);
                    if rng.below(5) == 0 {
                        refs.push(PosRef {
                            generation: p.generation + 1,
                            ..p
                        });
                    }
                }
                let before = solvency(&mut bank, &tm, &refs).await;
                let ok = tm.crank(&mut bank, user, &refs).await.is_ok();
                if ok {
                    let after = solvency(&mut bank, &tm, &refs).await;
                    for (b, a) in before.iter().zip(after.iter()) {
                        assert!(
                            !*b || *a,
                            "a crank made a solvent position insolvent (seed {seed})"
                        );
                    }
                    // Only a market with growth or the urgent tier seizes
                    // beyond its base budget.
                    let overflow = tm
                        .open_lots(&mut bank)
                        .await
                        .iter()
                        .filter(|(_, l)| l.flags & softliq::state::LOT_OVERFLOW != 0)
                        .count() as u64;
                    assert!(
                        overflow == 0 || risk.budget_growth_bps > 0 || risk.urgent_gap_bps > 0,
                        "a lot flagged LOT_OVERFLOW on a fixed budget (seed {seed})"
                    );
                    stats.overflow_lots = stats.overflow_lots.max(overflow);
                }
                ("crank_liquidate", ok)
            }
            12 => {
                let lots = tm.open_lots(&mut bank).await;
                match lots.first() {
                    Some((l, lot)) => {
                        let max_price = if rng.below(4) == 0 {
                            rng.amount(200_000_000_000)
                        } else {
                            u64::MAX
                        };
                        let p = tm.market_state(&mut bank).await.params;
                        let slot = bank.slot().await;
                        // Held and within its hold: the quote does not ask for a reset.
                        let held = softliq::engine::auction::is_held(&p, lot)
                            && softliq::engine::auction::quote(&p, lot, slot)
                                .is_some_and(|q| !q.needs_reset);
                        let want = rng.amount(20_000_000_000);
                        let ok = tm.take(&mut bank, user, *l, want, max_price).await.is_ok();
                        if held {
                            stats.held_takes.0 += 1;
                            if ok {
                                stats.held_takes.1 += 1;
                                let floor = softliq::engine::auction::debt_price(lot).unwrap();
                                assert!(
                                    max_price >= floor,
                                    "a held lot sold below its debt price {floor} (seed {seed})"
                                );
                            }
                        }
                        ("auction_take", ok)
                    }
                    None => ("auction_take", false),
                }
            }
            13 => {
                let l = pick_lot(&mut bank, &tm, &mut rng).await;
                ("auction_reset", tm.reset(&mut bank, user, l).await.is_ok())
            }
            14 => {
                let l = pick_lot(&mut bank, &tm, &mut rng).await;
                let lot = tm.lot(&mut bank, l).await;
                let before = tm.market_state(&mut bank).await;
                let ok = tm.settle(&mut bank, user, l).await.is_ok();
                if ok {
                    let after = tm.market_state(&mut bank).await;
                    let counted = (after.bad_debt_insurance_native
                        - before.bad_debt_insurance_native)
                        + (after.bad_debt_socialized_native - before.bad_debt_socialized_native);
                    assert_eq!(
                        counted, lot.tab_debt_native,
                        "bad-debt counters = shortfall (seed {seed})"
                    );
                    stats.shortfall_settled += counted;
                }
                ("auction_settle", ok)
            }
            15 => {
                let l = pick_lot(&mut bank, &tm, &mut rng).await;
                let lot = tm.lot(&mut bank, l).await;
                let owner = actors.iter().find(|u| u.key() == lot.owner).unwrap_or(user);
                (
                    "auction_redeem",
                    tm.redeem(&mut bank, owner, l, lot.slab).await.is_ok(),
                )
            }
            _ => {
                // Insurance, oracle moves, the risk estimate and time.
                match rng.below(14) {
                    0 => (
                        "insurance_deposit",
                        tm.insurance_deposit(&mut bank, user, rng.amount(5_000_000_000))
                            .await
                            .is_ok(),
                    ),
                    1 => (
                        "insurance_request_withdraw",
                        tm.insurance_request(&mut bank, user, rng.amount(5_000_000_000))
                            .await
                            .is_ok(),
                    ),
                    2 => (
                        "insurance_withdraw",
                        tm.insurance_withdraw(&mut bank, user).await.is_ok(),
                    ),
                    3 => {
                        let s = bank.slot().await;
                        bank.warp_to(s + 1 + rng.below(30)).await;
                        tm.set_price(&mut bank, price).await;
                        ("warp", true)
                    }
                    4..=6 => {
                        price = (price * (0.88 + rng.below(250) as f64 / 1000.0)).clamp(5.0, 500.0);
                        tm.set_price(&mut bank, price).await;
                        ("price_move", true)
                    }
                    7 => ("refresh_risk", tm.refresh_risk(&mut bank).await.is_ok()),
                    9 => {
                        // A long gap: past the parameter notice, now and then ~54 years.
                        let s = bank.slot().await;
                        let gap = if rng.below(40) == 0 {
                            u32::MAX as u64
                        } else {
                            9_000 + rng.below(20_000)
                        };
                        bank.warp_to(s + gap).await;
                        tm.set_price(&mut bank, price).await;
                        ("long_gap", true)
                    }
                    10 => {
                        // An older (still fresh) verified update over the oracle account.
                        let c = bank.clock().await;
                        let old = harness::pyth::usd_feed(
                            price * (0.9 + rng.below(200) as f64 / 1000.0),
                            c.slot,
                            c.unix_timestamp - 1 - rng.below(40) as i64,
                        );
                        tm.set_feed(&mut bank, old).await;
                        ("old_price", true)
                    }
                    11 => {
                        let m = tm.market_state(&mut bank).await;
                        let request = param_change(&mut rng, &m);
                        (
                            "update_params",
                            tm.update_params(&mut bank, request, 0).await.is_ok(),
                        )
                    }
                    13 => {
                        // The mint authority (the harness's payer) mints to an
                        // actor: supply changes never touch the books.
                        let (mint, dest, program) = if rng.below(2) == 0 {
                            (tm.collateral_mint, user.collateral, tm.collateral_program)
                        } else {
                            (tm.debt_mint, user.debt, tm.debt_program)
                        };
                        let amount = 1 + rng.below(1_000_000_000_000);
                        harness::tokens::mint_to(&mut bank, program, &mint, &dest, amount).await;
                        harness::invariants::check(&mut bank, &tm).await.unwrap();
                        ("mint_to", true)
                    }
                    12 => {
                        // A crash, then an exit before any keeper cranks (the
                        // harness checks the exit against the certain loss).
                        price = (price * (0.5 + rng.below(300) as f64 / 1000.0)).max(5.0);
                        tm.set_price(&mut bank, price).await;
                        if rng.below(2) == 0 {
                            (
                                "lp_withdraw_after_crash",
                                tm.lp_withdraw(&mut bank, user, rng.amount(500_000_000_000))
                                    .await
                                    .is_ok(),
                            )
                        } else {
                            (
                                "insurance_withdraw_after_crash",
                                tm.insurance_withdraw(&mut bank, user).await.is_ok(),
                            )
                        }
                    }
                    _ => {
                        // A guarded price: stale, wide or deviating.
                        let c = bank.clock().await;
                        let base = harness::pyth::usd_feed(price, c.slot, c.unix_timestamp);
                        let bad = match rng.below(3) {
                            0 => FeedPrice {
                                publish_slot: c.slot.saturating_sub(500),
                                ..base
                            },
                            1 => FeedPrice {
                                conf: base.price as u64 / 10,
                                ..base
                            },
                            _ => FeedPrice {
                                ema_price: base.price * 2,
                                ..base
                            },
                        };
                        tm.set_feed(&mut bank, bad).await;
                        ("bad_price", true)
                    }
                }
            }
        };
        stats.count(res.0, res.1);
    }
    // Final full check.
    harness::invariants::check(&mut bank, &tm).await.unwrap();
    stats.invariant_checks += tm.checks + 1;
}

/// A parameter request: a raise of the margins or penalty (sometimes past the
/// step limit), the pending announcement again (applied once its notice has
/// passed), the parameters in force (withdraws an announcement), or a lowering.
fn param_change(rng: &mut Rng, m: &softliq::state::Market) -> MarketParams {
    let p = m.params;
    match rng.below(4) {
        0 => {
            let up = rng.below(160);
            MarketParams {
                init_margin_bps: p.init_margin_bps + up,
                target_margin_bps: p.target_margin_bps + up,
                maint_margin_bps: p.maint_margin_bps + up,
                liquidation_penalty_bps: p.liquidation_penalty_bps + rng.below(160),
                ..p
            }
        }
        1 if m.pending_params_slot != 0 => m.pending_params,
        2 => p,
        _ => MarketParams {
            init_margin_bps: p.init_margin_bps.saturating_sub(rng.below(100)),
            borrow_rate_base_bps: rng.below(1_000),
            dust_native: 1 + rng.below(2_000_000),
            ..p
        },
    }
}

async fn pick_lot(bank: &mut Bank, tm: &TestMarket, rng: &mut Rng) -> LotRef {
    let lots = tm.open_lots(bank).await;
    if lots.is_empty() {
        return LotRef {
            index: rng.below(4) as u32,
            generation: 0,
        };
    }
    lots[rng.below(lots.len() as u64) as usize].0
}

/// Solvent (collateral value > debt at the price in the oracle account, with
/// interest accrued to now, as the crank will see it) for each named position.
async fn solvency(bank: &mut Bank, tm: &TestMarket, refs: &[PosRef]) -> Vec<bool> {
    let mut m = tm.market_state(bank).await;
    let slot = bank.slot().await;
    softliq::engine::interest::accrue_market(&mut m, slot);
    let scaled = harness::invariants::oracle_price(bank, tm, &m).await;
    let mut out = vec![];
    for r in refs {
        let p = tm.position(bank, *r).await;
        let d = debt_native(p.debt_shares, m.borrow_index).unwrap_or(u64::MAX);
        out.push(value_of_or_max(p.collateral_native, scaled) > d as u128 || d == 0);
    }
    out
}

#[tokio::test]
async fn fuzz_every_instruction_against_the_invariants() {
    let cases: u64 = std::env::var("SOFTLIQ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let steps: u64 = std::env::var("SOFTLIQ_FUZZ_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let mut stats = Stats::default();
    let t = std::time::Instant::now();
    for case in 0..cases {
        run_case(0x5EED_0000 + case * 7919, steps, &mut stats).await;
    }
    let ok: u64 = stats.ok.values().sum();
    let refused: u64 = stats.refused.values().sum();
    println!(
        "fuzz: {cases} cases, {} steps, {ok} succeeded, {refused} refused, {} invariant checks, shortfall settled {} in {:.1}s",
        stats.steps,
        stats.invariant_checks,
        stats.shortfall_settled,
        t.elapsed().as_secs_f64()
    );
    println!(
        "held lots: {} takes tried, {} went through at or above the debt price",
        stats.held_takes.0, stats.held_takes.1
    );
    println!(
        "most open lots flagged LOT_OVERFLOW after a crank: {}",
        stats.overflow_lots
    );
    println!("succeeded per kind: {:?}", stats.ok);
    println!("refused per kind: {:?}", stats.refused);
    if cases >= 6 {
        assert!(stats.held_takes.0 > 0, "no take ever met a held lot");
        assert!(
            stats.overflow_lots > 0,
            "no crank ever seized beyond the base"
        );
    }
    for kind in [
        "open_position",
        "deposit_collateral",
        "borrow",
        "crank_liquidate",
    ] {
        assert!(
            stats.ok.get(kind).copied().unwrap_or(0) > 0,
            "{kind} never succeeded: the fuzzer is not exercising it"
        );
    }
}
