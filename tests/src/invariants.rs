//! The invariants of docs/security.md, checked exactly after every
//! instruction: vault balances equal the books, book totals (solvency bands
//! included) equal the sums of entries; and, around every LP or staker exit,
//! that no exit takes value a loss already certain has removed.
use softliq::state::*;

use crate::bank::Bank;
use crate::market::TestMarket;
use crate::tokens::balance;

/// Checks every invariant; returns a description of the first violation.
pub async fn check(bank: &mut Bank, tm: &TestMarket) -> Result<(), String> {
    let m = tm.market_state(bank).await;
    let mut pos_collateral = 0u128;
    let mut pos_shares = 0u128;
    let mut bands = [Band::default(); BANDS];
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
                softliq::engine::bands::update(
                    &mut bands,
                    m.band_octave_min,
                    (0, 0),
                    (p.debt_shares, p.collateral_native),
                )
                .ok_or("band overflow")?;
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
    if bands != m.bands {
        let b = (0..BANDS).find(|&i| bands[i] != m.bands[i]).unwrap_or(0);
        return Err(format!(
            "solvency band {b}: market {:?}, positions {:?}",
            m.bands[b], bands[b]
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

/// What one LP share and one insurance share are worth once the losses that
/// insolvent positions and under-collateralised lots have already made
/// certain are taken, at the oracle's price now (interest accrued to now).
#[derive(Clone, Copy, Debug)]
pub struct FairExit {
    /// Pool value net of the certain loss insurance cannot cover.
    pub lp_value: u128,
    pub lp_shares: u64,
    /// Insurance balance net of the certain loss.
    pub stake_value: u128,
    pub stake_shares: u64,
    /// The certain loss: positions and lots.
    pub certain_loss: u128,
}

impl FairExit {
    /// Most a redemption of `shares` LP shares may pay (rounding: one unit).
    pub fn lp_cap(&self, shares: u64) -> u128 {
        self.lp_value * shares as u128 / (self.lp_shares as u128).max(1) + 1
    }
    /// Most a redemption of `shares` insurance shares may pay.
    pub fn stake_cap(&self, shares: u64) -> u128 {
        self.stake_value * shares as u128 / (self.stake_shares as u128).max(1) + 1
    }
}

/// The fair exit values now, from every position and lot of the market.
pub async fn fair_exit(bank: &mut Bank, tm: &TestMarket) -> FairExit {
    use softliq::engine::health::debt_native;
    let mut m = tm.market_state(bank).await;
    let clock = bank.clock().await;
    softliq::engine::interest::accrue_market(&mut m, clock.slot);
    let price = oracle_price(bank, tm, &m).await;
    let value = |c: u64| c as u128 * price as u128 / softliq::math::PRICE_SCALE as u128;
    let mut loss = 0u128;
    for slab in &tm.slabs {
        let data = bank.data(slab).await;
        let (h, positions) = entries_of::<Position>(&data).expect("slab");
        for p in positions[..h.next_unused as usize]
            .iter()
            .filter(|p| p.flags & POSITION_IN_USE != 0)
        {
            let d = debt_native(p.debt_shares, m.borrow_index).unwrap_or(u64::MAX) as u128;
            loss += d.saturating_sub(value(p.collateral_native));
        }
    }
    let data = bank.data(&tm.lot_book).await;
    let (_, lots) = entries_of::<Lot>(&data).expect("lot book");
    for l in lots.iter().filter(|l| l.flags & LOT_IN_USE != 0) {
        loss += (l.tab_debt_native as u128).saturating_sub(value(l.collateral_native));
    }
    let borrowed = softliq::engine::interest::pool_borrowed(&m).expect("borrowed") as u128;
    let insurance = m.insurance_balance_native as u128;
    let full = m.pool_cash_native as u128 + borrowed + m.lot_debt_outstanding_native as u128;
    FairExit {
        lp_value: full.saturating_sub(loss.saturating_sub(insurance)),
        lp_shares: m.lp_shares_total,
        stake_value: insurance.saturating_sub(loss),
        stake_shares: m.insurance_shares_total,
        certain_loss: loss,
    }
}

/// The market's oracle price as it stands (normalised, unguarded; 0 if unreadable).
pub async fn oracle_price(bank: &mut Bank, tm: &TestMarket, m: &Market) -> u64 {
    let Some(acc) = bank.account(&tm.oracle).await else {
        return 0;
    };
    let (mut lamports, mut data) = (acc.lamports, acc.data.clone());
    let info = anchor_lang::prelude::AccountInfo::new(
        &tm.oracle,
        false,
        false,
        &mut lamports,
        &mut data,
        &acc.owner,
        false,
    );
    softliq::oracle::read_price(m, &info)
        .ok()
        .and_then(|raw| {
            softliq::oracle::normalize(
                &raw,
                m.collateral_decimals,
                m.debt_decimals,
                m.inverted != 0,
            )
            .ok()
        })
        .map(|p| p.price)
        .unwrap_or(0)
}
