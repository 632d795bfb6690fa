//! DESIGN.md section 10, checked exactly after every instruction:
//! vault balances equal the books, book totals equal the sums of entries.
use softliq::state::*;

use crate::bank::Bank;
use crate::market::TestMarket;
use crate::tokens::balance;

/// Checks every invariant; returns a description of the first violation.
pub async fn check(bank: &mut Bank, tm: &TestMarket) -> Result<(), String> {
    let m = tm.market_state(bank).await;
    let mut pos_collateral = 0u128;
    let mut pos_shares = 0u128;
    for slab in &tm.slabs {
        let data = bank.data(slab).await;
        let (h, positions) = entries_of::<Position>(&data).ok_or("slab layout")?;
        if h.market != tm.market {
            return Err(format!("slab {slab} names another market"));
        }
        let mut used = 0u32;
        for p in &positions[..h.next_unused as usize] {
            if p.flags & POSITION_IN_USE != 0 {
                used += 1;
                pos_collateral += p.collateral_native as u128;
                pos_shares += p.debt_shares as u128;
            } else if p.collateral_native != 0 || p.debt_shares != 0 {
                return Err("a free entry holds value".into());
            }
        }
        if used != h.used {
            return Err(format!("slab used {} but {} entries in use", h.used, used));
        }
    }
    // The market account holds its rent plus one deposit per open position.
    let market_account = bank.account(&tm.market).await.ok_or("market account")?;
    let floor = bank.rent(market_account.data.len()).await as u128
        + m.positions_open as u128 * POSITION_DEPOSIT_LAMPORTS as u128;
    if (market_account.lamports as u128) < floor {
        return Err(format!(
            "market holds {} lamports, below rent + position deposits {floor}",
            market_account.lamports
        ));
    }
    let data = bank.data(&tm.lot_book).await;
    let (_, lots) = entries_of::<Lot>(&data).ok_or("lot book layout")?;
    let (mut lot_collateral, mut lot_debt) = (0u128, 0u128);
    for l in lots.iter().filter(|l| l.flags & LOT_IN_USE != 0) {
        lot_collateral += l.collateral_native as u128;
        lot_debt += l.tab_debt_native as u128;
    }
    let eq = |what: &str, a: u128, b: u128| {
        if a == b {
            Ok(())
        } else {
            Err(format!("{what}: {a} != {b}"))
        }
    };
    eq(
        "position collateral vs market total",
        pos_collateral,
        m.total_position_collateral_native as u128,
    )?;
    eq(
        "lot collateral vs market total",
        lot_collateral,
        m.total_lot_collateral_native as u128,
    )?;
    eq(
        "debt shares vs market total",
        pos_shares,
        m.total_debt_shares as u128,
    )?;
    eq(
        "lot debt vs outstanding",
        lot_debt,
        m.lot_debt_outstanding_native as u128,
    )?;
    let cv = balance(bank, &tm.collateral_vault).await as u128;
    eq(
        "collateral vault vs positions + lots",
        cv,
        pos_collateral + lot_collateral,
    )?;
    let dv = balance(bank, &tm.debt_vault).await as u128;
    eq("debt vault vs pool cash", dv, m.pool_cash_native as u128)?;
    let iv = balance(bank, &tm.insurance_vault).await as u128;
    eq(
        "insurance vault vs balance",
        iv,
        m.insurance_balance_native as u128,
    )?;
    let lp = shares_sum(bank, &tm.lp_accounts).await;
    eq("LP shares vs total", lp, m.lp_shares_total as u128)?;
    let st = shares_sum(bank, &tm.stake_accounts).await;
    eq(
        "stake shares vs total",
        st,
        m.insurance_shares_total as u128,
    )?;
    Ok(())
}

async fn shares_sum(bank: &mut Bank, accounts: &[anchor_lang::prelude::Pubkey]) -> u128 {
    let mut sum = 0u128;
    for a in accounts {
        sum += crate::market::shares_at(bank, a).await as u128;
    }
    sum
}
