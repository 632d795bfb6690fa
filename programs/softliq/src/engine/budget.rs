//! The adaptive per-slot liquidation budget (docs/adaptive-budget.md).
//!
//! A fixed per-slot budget cannot follow a book that crosses maintenance
//! faster than the budget serves it: positions wait, go underwater and are
//! seized whole. The budget here follows the pressure, EIP-1559-like:
//!
//! - each slot in which the budget stopped a liquidation (demand waited), the
//!   next slot's level grows by `growth_bps` (×(1 + g)), up to `cap`;
//! - each slot in which it did not, the level falls back by the same factor
//!   (÷(1 + g)) toward the base, never below it;
//! - the base is the market's budget in force (`max_liq_notional_per_slot`,
//!   or the depth budget of `engine::risk::effective`); a base of 0 means
//!   "unlimited" and the level is unused.
//!
//! State is O(1): the level, the slot it was set for and the last slot in
//! which the budget bound (`Market::budget_level_native`, `budget_slot`,
//! `budget_bound_slot`).
use crate::math::BPS;
use crate::state::{Market, MarketParams, RiskParams};

/// Most slack slots of decay applied at once: beyond, the level is back at
/// the base for any growth allowed (1.0 + 2.0)^-64 ≪ 1 / u64::MAX.
const MAX_DECAY_STEPS: u64 = 64;

/// How the budget adapts (from `RiskParams`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetRule {
    /// The budget in force without pressure (0 = unlimited).
    pub base_native: u64,
    /// Growth per bound slot and decay per slack slot, bps (0 = fixed budget).
    pub growth_bps: u64,
    /// Most the level may reach, as bps of the base (≥ 10,000).
    pub cap_bps: u64,
}

impl BudgetRule {
    /// The level's ceiling: `base × cap_bps / 10,000` (at least the base).
    pub fn cap_native(&self) -> u64 {
        let cap = (self.base_native as u128)
            .saturating_mul(self.cap_bps.max(BPS) as u128)
            .checked_div(BPS as u128)
            .unwrap_or(u128::MAX);
        u64::try_from(cap).unwrap_or(u64::MAX)
    }

    fn grow(&self, level: u64) -> u64 {
        let up = (level as u128)
            .saturating_mul(BPS.saturating_add(self.growth_bps) as u128)
            .checked_div(BPS as u128)
            .unwrap_or(u128::MAX);
        // Integer growth must move a small level at least one unit.
        let up = up.max((level as u128).saturating_add(1));
        u64::try_from(up).unwrap_or(u64::MAX).min(self.cap_native())
    }

    fn shrink(&self, level: u64) -> u64 {
        let down = (level as u128)
            .saturating_mul(BPS as u128)
            .checked_div(BPS.saturating_add(self.growth_bps) as u128)
            .unwrap_or(u128::MAX);
        u64::try_from(down)
            .unwrap_or(u64::MAX)
            .max(self.base_native)
    }
}

/// The level for `slot`, from the level set for `last_slot` and whether the
/// budget bound in `last_slot` (`bound_slot == last_slot`). A bound slot grows
/// the level once; every slot after it without a crank counts as slack. The
/// result is always within `[base, cap]`; an unset level (0) starts at base.
pub fn level_for(rule: &BudgetRule, level: u64, last_slot: u64, bound_slot: u64, slot: u64) -> u64 {
    if rule.base_native == 0 {
        return 0;
    }
    let cap = rule.cap_native();
    let mut l = level.clamp(rule.base_native, cap);
    if rule.growth_bps == 0 || slot <= last_slot {
        return l;
    }
    let elapsed = slot.saturating_sub(last_slot);
    let mut slack = elapsed;
    if bound_slot == last_slot && last_slot != 0 {
        l = rule.grow(l);
        slack = elapsed.saturating_sub(1);
    }
    for _ in 0..slack.min(MAX_DECAY_STEPS) {
        if l == rule.base_native {
            break;
        }
        l = rule.shrink(l);
    }
    if slack > MAX_DECAY_STEPS {
        l = rule.base_native;
    }
    l
}

/// The adaptive rule of a market: the base is the budget in force
/// (`effective.max_liq_notional_per_slot`, see `engine::risk::effective`).
pub fn rule_for(effective: &MarketParams, r: &RiskParams) -> BudgetRule {
    BudgetRule {
        base_native: effective.max_liq_notional_per_slot,
        growth_bps: r.budget_growth_bps,
        cap_bps: r.budget_cap_bps,
    }
}

/// The allowances a crank at a slot works with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotBudget {
    /// The per-slot budget level (0 = unlimited).
    pub level_native: u64,
    /// What a charge may reach before it counts as beyond the base budget
    /// (0 = unlimited): the base an adaptive level grows from; for a fixed
    /// budget (no growth) the level itself, which differs from the base
    /// only when the base changed within the slot.
    pub base_native: u64,
    pub used_native: u64,
    /// The urgent tier's allowance (`urgent_budget_bps` of the base).
    pub urgent_native: u64,
    pub urgent_used_native: u64,
    /// The budget stopped a liquidation in this slot (the level grows next slot).
    pub bound: bool,
}

impl SlotBudget {
    /// Notional the budget still allows (None = unlimited).
    pub fn remaining(&self) -> Option<u64> {
        (self.level_native != 0).then(|| self.level_native.saturating_sub(self.used_native))
    }
    /// Notional the urgent allowance still allows.
    pub fn urgent_remaining(&self) -> u64 {
        self.urgent_native.saturating_sub(self.urgent_used_native)
    }
    /// Nothing more can be liquidated this slot.
    pub fn exhausted(&self) -> bool {
        self.remaining() == Some(0) && self.urgent_remaining() == 0
    }
    /// Splits a step's notional between the budget and the urgent allowance
    /// (the budget first; only an urgent step may use the allowance). True
    /// when part of it lies beyond the base budget: in a level grown above
    /// the base or in the allowance.
    pub fn charge(&mut self, notional: u64, urgent: bool) -> bool {
        let normal = match self.remaining() {
            Some(left) if urgent => notional.min(left),
            _ => notional,
        };
        self.used_native = self.used_native.saturating_add(normal);
        let extra = notional.saturating_sub(normal);
        self.urgent_used_native = self.urgent_used_native.saturating_add(extra);
        extra > 0 || (self.base_native != 0 && self.used_native > self.base_native)
    }
}

/// [`SlotBudget::base_native`] for a slot whose level is `level`.
fn overflow_base(rule: &BudgetRule, level: u64) -> u64 {
    if rule.growth_bps == 0 {
        level
    } else {
        rule.base_native
    }
}

/// The budget a crank at `slot` starts from: the market's running one when
/// it is already for `slot`, else a new slot's (level advanced by
/// [`level_for`], nothing used).
pub fn at_slot(m: &Market, effective: &MarketParams, slot: u64) -> SlotBudget {
    let rule = rule_for(effective, &m.risk);
    let urgent_native = u64::try_from(
        (rule.base_native as u128)
            .saturating_mul(m.risk.urgent_budget_bps as u128)
            .checked_div(BPS as u128)
            .unwrap_or(u128::MAX),
    )
    .unwrap_or(u64::MAX);
    if m.budget_slot == slot {
        let level = if rule.base_native == 0 {
            0
        } else {
            m.budget_level_native
                .clamp(rule.base_native, rule.cap_native())
        };
        return SlotBudget {
            level_native: level,
            base_native: overflow_base(&rule, level),
            used_native: m.budget_used_notional_native,
            urgent_native,
            urgent_used_native: m.urgent_used_notional_native,
            bound: m.budget_bound_slot == slot,
        };
    }
    let level = level_for(
        &rule,
        m.budget_level_native,
        m.budget_slot,
        m.budget_bound_slot,
        slot,
    );
    SlotBudget {
        level_native: level,
        base_native: overflow_base(&rule, level),
        used_native: 0,
        urgent_native,
        urgent_used_native: 0,
        bound: false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    fn rule() -> BudgetRule {
        BudgetRule {
            base_native: 90_000_000_000,
            growth_bps: 5_000,
            cap_bps: 200_000,
        }
    }

    #[test]
    fn grows_while_bound_and_returns_to_base_when_slack() {
        let r = rule();
        let mut l = 0;
        let mut last = 0;
        // Bound every slot from slot 10: ×1.5 a slot up to 20× the base.
        for s in 10..30u64 {
            l = level_for(&r, l, last, last, s);
            last = s;
        }
        assert_eq!(l, r.cap_native());
        // Slack: back down by the same factor, to the base.
        let mut prev = l;
        for s in 30..60u64 {
            l = level_for(&r, l, last, 0, s);
            last = s;
            assert!(l <= prev);
            prev = l;
        }
        assert_eq!(l, r.base_native);
        // A long idle gap resets to the base at once.
        assert_eq!(
            level_for(&r, r.cap_native(), 100, 100, 1_000),
            r.base_native
        );
    }

    #[test]
    fn a_fixed_or_unlimited_budget_does_not_move() {
        let fixed = BudgetRule {
            growth_bps: 0,
            ..rule()
        };
        assert_eq!(level_for(&fixed, 0, 5, 5, 6), fixed.base_native);
        let unlimited = BudgetRule {
            base_native: 0,
            ..rule()
        };
        assert_eq!(level_for(&unlimited, 7, 5, 5, 6), 0);
    }

    #[test]
    fn a_charge_beyond_the_base_is_reported() {
        let mut sb = SlotBudget {
            level_native: 1_500,
            base_native: 1_000,
            urgent_native: 500,
            ..SlotBudget::default()
        };
        assert!(!sb.charge(600, false), "within the base");
        assert!(!sb.charge(400, false), "exactly at the base");
        assert!(sb.charge(1, false), "into the grown level");
        assert_eq!(sb.used_native, 1_001);
        // An urgent step past the level: the rest from the allowance.
        assert!(sb.charge(600, true));
        assert_eq!((sb.used_native, sb.urgent_used_native), (1_500, 101));
        // At a fixed budget, only the allowance is beyond the base.
        let mut fixed = SlotBudget {
            level_native: 1_000,
            base_native: 1_000,
            urgent_native: 500,
            ..SlotBudget::default()
        };
        assert!(!fixed.charge(1_000, true));
        assert!(fixed.charge(1, true));
        assert_eq!(fixed.urgent_used_native, 1);
        // An unlimited budget (base 0) never overflows.
        let mut unlimited = SlotBudget::default();
        assert!(!unlimited.charge(u64::MAX, false));
    }

    #[test]
    fn a_fixed_budget_whose_base_shrinks_within_the_slot_reports_no_overflow() {
        let mut m: Market = anchor_lang::__private::bytemuck::Zeroable::zeroed();
        m.risk = RiskParams {
            budget_cap_bps: 100_000,
            ..RiskParams::static_default()
        };
        let mut eff = MarketParams::default_soft();
        eff.max_liq_notional_per_slot = 1_000;
        let first = at_slot(&m, &eff, 5);
        assert_eq!((first.level_native, first.base_native), (1_000, 1_000));
        // 600 used at slot 5, then the base in force halves (a risk refresh).
        m.budget_slot = 5;
        m.budget_level_native = 1_000;
        m.budget_used_notional_native = 600;
        eff.max_liq_notional_per_slot = 500;
        let mut sb = at_slot(&m, &eff, 5);
        assert_eq!(
            (sb.level_native, sb.base_native, sb.remaining()),
            (1_000, 1_000, Some(400))
        );
        assert!(!sb.charge(400, false), "within the slot's fixed level");
        // The same with growth on: 500 is the base the level grew from.
        m.risk.budget_growth_bps = 5_000;
        let mut grown = at_slot(&m, &eff, 5);
        assert_eq!((grown.level_native, grown.base_native), (1_000, 500));
        assert!(grown.charge(400, false));
    }

    proptest! {
        /// Bounded growth per slot, never below the base (never zero), never
        /// above the cap, monotone in the pressure.
        #[test]
        fn the_level_stays_in_its_corridor(
            base in 1u64..1u64 << 50,
            growth in 0u64..=20_000,
            cap_bps in 10_000u64..=1_000_000,
            level in 0u64..u64::MAX,
            last in 1u64..1_000_000,
            gap in 0u64..200,
            bound in any::<bool>(),
        ) {
            let r = BudgetRule { base_native: base, growth_bps: growth, cap_bps };
            let slot = last + gap;
            let l = level_for(&r, level, last, if bound { last } else { 0 }, slot);
            let start = level.clamp(base, r.cap_native());
            prop_assert!(l >= base && l <= r.cap_native());
            // At most one growth step per slot (plus the one-unit floor).
            let most = (start as u128 * (BPS + growth) as u128 / BPS as u128).max(start as u128 + 1);
            prop_assert!(l as u128 <= most.max(base as u128));
            // Pressure never lowers it relative to no pressure.
            let calm = level_for(&r, level, last, 0, slot);
            prop_assert!(l >= calm);
            // Without pressure it never rises.
            prop_assert!(calm <= start);
        }
    }
}
