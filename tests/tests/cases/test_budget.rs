//! The adaptive per-slot budget and the urgent tier (engine::budget,
//! engine::liquidation; docs/adaptive-budget.md), run in the real program.
use harness::bank::code_of;
use harness::market::{funded, Funded, MarketConfig, PosRef};
use softliq::error::SoftliqError as E;
use softliq::state::{MarketParams, RiskParams, LOT_OVERFLOW};

const SOL: u64 = 1_000_000_000;
const USDC: u64 = 1_000_000;

/// Base budget 1,000 USDC a slot, growth ×1.5 per bound slot, cap 4×.
fn config(urgent_gap_bps: u64, urgent_budget_bps: u64) -> MarketConfig {
    MarketConfig {
        params: MarketParams {
            liq_ramp_slots: 0,
            max_liq_notional_per_slot: 1_000 * USDC,
            ..MarketParams::default_soft()
        },
        risk: RiskParams {
            budget_growth_bps: 5_000,
            budget_cap_bps: 40_000,
            urgent_gap_bps,
            urgent_budget_bps,
            ..RiskParams::static_default()
        },
        slab_capacities: vec![64],
        ..Default::default()
    }
}

#[tokio::test]
async fn the_budget_grows_while_it_binds_and_returns_to_its_base() {
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(config(0, 0)).await;
    // 60 positions at 95.6% loan-to-value once the price is 94: each needs
    // about 342 USDC seized to get back to target, 20,500 in all.
    let mut book: Vec<PosRef> = vec![];
    for _ in 0..60 {
        book.push(
            tm.open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 899 * USDC)
                .await,
        );
    }
    let mut expected = 1_000 * USDC;
    let mut levels = vec![];
    let mut seized_before = 0u64;
    let mut within_base_before = 0u64;
    for slot in 0..6 {
        tm.next_slot(&mut bank, 94.0).await;
        tm.crank(&mut bank, &keeper, &book).await.unwrap();
        let m = tm.market_state(&mut bank).await;
        let lots = tm.open_lots(&mut bank).await;
        let seized: u64 = lots.iter().map(|(_, l)| l.seized_value_native).sum();
        let this_slot = seized - seized_before;
        seized_before = seized;
        // What a slot seizes beyond the base is flagged for the hold; what
        // it seizes within the base is not.
        let within_base: u64 = lots
            .iter()
            .filter(|(_, l)| l.flags & LOT_OVERFLOW == 0)
            .map(|(_, l)| l.seized_value_native)
            .sum();
        let within_base_this_slot = within_base - within_base_before;
        within_base_before = within_base;
        assert!(
            within_base_this_slot <= 1_000 * USDC,
            "{within_base_this_slot}"
        );
        if slot == 0 {
            assert_eq!(within_base_this_slot, this_slot, "nothing beyond the base");
        } else {
            // The level is above the base and was used past it.
            assert!(this_slot > 1_000 * USDC, "{this_slot}");
            assert!(
                within_base_this_slot < this_slot,
                "something beyond the base is flagged"
            );
        }
        assert_eq!(m.budget_level_native, expected, "level");
        assert!(
            this_slot <= expected,
            "seized {this_slot} > level {expected}"
        );
        assert_eq!(m.budget_used_notional_native, this_slot);
        assert_eq!(m.budget_bound_slot, m.budget_slot, "the budget bound");
        levels.push(m.budget_level_native / USDC);
        expected = (expected * 3 / 2).min(4_000 * USDC);
    }
    println!("budget levels while bound (USDC): {levels:?}");
    assert_eq!(levels, vec![1_000, 1_500, 2_250, 3_375, 4_000, 4_000]);
    // Slack slots: back to the base by ÷1.5 a slot (one crank a slot, the book served).
    let mut levels = vec![];
    for _ in 0..8 {
        tm.next_slot(&mut bank, 100.0).await;
        tm.crank(&mut bank, &keeper, &book[..1]).await.unwrap();
        levels.push(tm.market_state(&mut bank).await.budget_level_native);
    }
    println!("budget levels while slack: {levels:?}");
    assert!(levels.windows(2).all(|w| w[1] <= w[0]));
    assert_eq!(*levels.last().unwrap(), 1_000 * USDC);
    // Refused: a cap below the base, unchanged market.
    let before = bank.data(&tm.market).await;
    let e = tm
        .set_risk_params(
            &mut bank,
            RiskParams {
                budget_cap_bps: 9_999,
                ..config(0, 0).risk
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InvalidRiskParams));
    assert_eq!(bank.data(&tm.market).await, before);
}

#[tokio::test]
async fn urgent_positions_are_liquidated_beyond_the_spent_budget() {
    for urgent in [false, true] {
        let (gap, allowance) = if urgent { (200, 20_000) } else { (0, 0) };
        let Funded {
            mut bank,
            mut tm,
            keeper,
            trader,
        } = funded(config(gap, allowance)).await;
        // Three ordinary positions spend the slot's budget first (95.6% at 94).
        let mut ordinary = vec![];
        for _ in 0..3 {
            ordinary.push(
                tm.open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 899 * USDC)
                    .await,
            );
        }
        // One borrowed at 104: 98.4% of loan-to-value at 94, within 2% of
        // unrestorable (1 − penalty − buffer = 98.5%).
        tm.set_price(&mut bank, 104.0).await;
        let near = tm
            .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 925 * USDC)
            .await;
        tm.next_slot(&mut bank, 94.0).await;
        let mut refs = ordinary.clone();
        refs.push(near);
        tm.crank(&mut bank, &keeper, &refs).await.unwrap();
        let m = tm.market_state(&mut bank).await;
        let p = tm.position(&mut bank, near).await;
        println!(
            "urgent tier {urgent}: budget used {} / {}, urgent used {}, near position collateral {}",
            m.budget_used_notional_native, m.budget_level_native, m.urgent_used_notional_native,
            p.collateral_native
        );
        assert!(m.budget_used_notional_native <= 1_000 * USDC);
        let lots = tm.open_lots(&mut bank).await;
        // Whether each open lot of a position is flagged for the overflow hold.
        let overflow_of = |index: u32| -> Vec<bool> {
            lots.iter()
                .filter(|(_, l)| l.position_index == index)
                .map(|(_, l)| l.flags & LOT_OVERFLOW != 0)
                .collect()
        };
        // The ordinary positions were served within the base budget.
        for o in &ordinary {
            assert!(!overflow_of(o.index).contains(&true));
        }
        if urgent {
            assert!(m.urgent_used_notional_native > 0);
            // Its lot came from the allowance: flagged for the hold.
            let near_lots = overflow_of(near.index);
            assert!(
                !near_lots.is_empty() && !near_lots.contains(&false),
                "the urgent lot is flagged"
            );
            assert!(
                p.collateral_native < 10 * SOL,
                "the urgent position was liquidated"
            );
            assert!(m.urgent_used_notional_native <= 2_000 * USDC);
        } else {
            assert_eq!(m.urgent_used_notional_native, 0);
            assert_eq!(p.collateral_native, 10 * SOL, "it waited for the budget");
        }
    }
}
