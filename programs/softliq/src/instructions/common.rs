//! Helpers shared by instruction handlers: interest accrual, pool values,
//! token transfers, and zero-copy views of slabs and lot books.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::engine::{auction, bands, health, interest, risk};
use crate::error::SoftliqError;
use crate::events::{FastFallObserved, RiskUpdated};
use crate::math;
use crate::oracle::OraclePrice;
use crate::state::{
    BookEntry, BookHeader, BookView, LotBook, Market, MarketParams, PositionSlab, BOOK_HEADER_SIZE,
    VAULT_AUTH_SEED,
};

/// Accepts a guarded oracle price: records its publish time (older prices
/// are refused from now on, `oracle::load_price`) and feeds it to the
/// volatility estimate (at most once per slot; a price that failed a guard
/// never gets here), emitting `RiskUpdated`.
pub fn observe_price(
    market: &mut Market,
    key: &Pubkey,
    price: &OraclePrice,
    slot: u64,
) -> Result<()> {
    market.last_oracle_publish_time = market.last_oracle_publish_time.max(price.publish_time);
    note_fast_fall(market, key, price, slot);
    let Some(next) = risk::observe(&market.risk, &market.risk_state, price.price, slot) else {
        return Ok(());
    };
    market.risk_state = next;
    emit!(RiskUpdated {
        market: *key,
        slot,
        price: price.price,
        variance_ppb2: next.variance_ppb2,
        sigma_horizon_bps: next.sigma_horizon_bps,
        addon_bps: next.addon_bps,
        maint_addon_bps: next.maint_addon_bps,
    });
    Ok(())
}

/// Starts (or extends) the fast-fall hold window when this slot's first
/// price fell faster than the risk parameters' largest per-slot move since
/// the estimator's last price, with no auction take in the crank-gap window
/// before it (`engine::auction::is_fast_fall`), by more than the market's
/// quiet-slot noise (`engine::auction::beyond_noise`). Lots seized until
/// `fast_fall_until_slot` are held like insolvent ones. Then feeds the
/// observation to the quiet-slot volatility when no take preceded it. Only
/// when the market holds lots (`auction_hold_slots > 0`).
fn note_fast_fall(market: &mut Market, key: &Pubkey, price: &OraclePrice, slot: u64) {
    let hold_slots = market.params.auction_hold_slots;
    if hold_slots == 0 {
        return;
    }
    let prev = (market.risk_state.last_price, market.risk_state.last_slot);
    let quiet_slots = market.risk.max_crank_gap_slots;
    let vol = auction::QuietVol {
        variance_ppb2: market.quiet_variance_ppb2,
        weight_ppb: market.quiet_weight_ppb,
    };
    let fast = auction::is_fast_fall(
        prev,
        (price.price, slot),
        market.last_take_slot,
        market.risk.max_price_move_bps,
        quiet_slots,
    ) && auction::beyond_noise(
        prev.0,
        price.price,
        slot.saturating_sub(prev.1),
        vol.per_slot_variance_ppb2(),
    );
    let quiet = auction::is_quiet(slot, market.last_take_slot, quiet_slots);
    if let Some(dt) = slot
        .checked_sub(prev.1)
        .filter(|dt| quiet && *dt > 0 && prev.0 != 0)
    {
        if let Some(next) = vol.observe(&market.risk, prev.0, price.price, dt) {
            market.quiet_variance_ppb2 = next.variance_ppb2;
            market.quiet_weight_ppb = next.weight_ppb;
        }
    }
    if !fast {
        return;
    }
    let until_slot = slot.saturating_add(hold_slots);
    market.fast_fall_until_slot = market.fast_fall_until_slot.max(until_slot);
    emit!(FastFallObserved {
        market: *key,
        slot,
        price: price.price,
        previous_price: prev.0,
        previous_slot: prev.1,
        until_slot: market.fast_fall_until_slot,
    });
}

/// The parameters in force: margins with their volatility add-ons, the
/// budget from the market depth (`engine::risk::effective`).
pub fn effective_params(market: &Market) -> Result<MarketParams> {
    math!(risk::effective(
        &market.params,
        &market.risk,
        &market.risk_state
    ))
}

/// Moves a position between solvency bands (`engine::bands`) after its debt
/// shares or collateral changed from `before` to `after`.
pub fn reband(market: &mut Market, before: (u64, u64), after: (u64, u64)) -> Result<()> {
    let octave_min = market.band_octave_min;
    math!(bands::update(&mut market.bands, octave_min, before, after))
}

/// Upper bound of the loss insolvent positions have already made certain,
/// at the oracle's conservative price (`engine::bands::shortfall_upper`).
/// Zero without debt (then no oracle is read); otherwise the oracle must
/// pass every guard, and its price is accepted like any other.
pub fn certain_loss(
    market: &mut Market,
    key: &Pubkey,
    oracle: &AccountInfo,
    clock: &Clock,
) -> Result<u128> {
    if market.total_debt_shares == 0 {
        return Ok(0);
    }
    let price = crate::oracle::load_price(market, oracle, clock)?;
    observe_price(market, key, &price, clock.slot)?;
    Ok(bands::shortfall_upper(
        &market.bands,
        market.band_octave_min,
        price.conservative(),
        market.borrow_index,
    ))
}

/// Debt of all positions at the current index (rounded down: the pool's claim).
pub fn pool_borrowed(market: &Market) -> Result<u64> {
    math!(interest::pool_borrowed(market))
}

/// Pool value for deposits: cash + debt + debt awaited from lots.
pub fn pool_value_full(market: &Market) -> Result<u64> {
    math!(market
        .pool_cash_native
        .checked_add(pool_borrowed(market)?)
        .and_then(|v| v.checked_add(market.lot_debt_outstanding_native)))
}

/// Debt of a position in native units (rounded up).
pub fn position_debt(market: &Market, debt_shares: u64) -> Result<u64> {
    math!(health::debt_native(debt_shares, market.borrow_index))
}

/// Transfers `amount` from a user's token account into a vault (user signs).
#[allow(clippy::too_many_arguments)]
pub fn transfer_in<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: authority.to_account_info(),
    };
    token_interface::transfer_checked(
        CpiContext::new(token_program.key(), accounts),
        amount,
        mint.decimals,
    )
}

/// Transfers `amount` out of a market vault, signed by the vault authority PDA.
#[allow(clippy::too_many_arguments)]
pub fn transfer_out<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    vault_auth: &AccountInfo<'info>,
    market: &Pubkey,
    bump: u8,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let bump_seed = [bump];
    let seeds: &[&[u8]] = &[VAULT_AUTH_SEED, market.as_ref(), &bump_seed];
    let signer = &[seeds];
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: vault_auth.clone(),
    };
    token_interface::transfer_checked(
        CpiContext::new_with_signer(token_program.key(), accounts, signer),
        amount,
        mint.decimals,
    )
}

/// Checks a book's discriminator and market, then runs `f` on a zero-copy view.
fn with_book<'info, A: Discriminated, T: BookEntry, R>(
    info: &AccountInfo<'info>,
    market: &Pubkey,
    f: impl FnOnce(&mut BookView<T>) -> Result<R>,
) -> Result<R> {
    require_keys_eq!(*info.owner, crate::ID, SoftliqError::BadAccountLayout);
    let mut data = info.try_borrow_mut_data()?;
    require!(
        data.len() >= 8 + BOOK_HEADER_SIZE,
        SoftliqError::BadAccountLayout
    );
    require!(data[..8] == *A::DISC, SoftliqError::BadAccountLayout);
    let mut view = BookView::<T>::from_bytes(&mut data[8..]).map_err(SoftliqError::from)?;
    require_keys_eq!(view.header.market, *market, SoftliqError::WrongMarket);
    f(&mut view)
}

/// An account type with an 8-byte discriminator.
pub trait Discriminated {
    const DISC: &'static [u8];
}
impl Discriminated for PositionSlab {
    const DISC: &'static [u8] = PositionSlab::DISCRIMINATOR;
}
impl Discriminated for LotBook {
    const DISC: &'static [u8] = LotBook::DISCRIMINATOR;
}

/// Runs `f` on the slab's positions after checking it belongs to `market`.
pub fn with_slab<'info, R>(
    slab: &AccountLoader<'info, PositionSlab>,
    market: &Pubkey,
    f: impl FnOnce(&mut BookView<crate::state::Position>) -> Result<R>,
) -> Result<R> {
    with_book::<PositionSlab, _, R>(slab.as_ref(), market, f)
}

/// Runs `f` on the lot book's lots after checking it belongs to `market`.
pub fn with_lots<'info, R>(
    book: &AccountLoader<'info, LotBook>,
    market: &Pubkey,
    f: impl FnOnce(&mut BookView<crate::state::Lot>) -> Result<R>,
) -> Result<R> {
    with_book::<LotBook, _, R>(book.as_ref(), market, f)
}

/// Initialises a zeroed book account's header (used by init_slab and initialize_market).
pub fn init_book_header(data: &mut [u8], disc: &[u8], market: Pubkey, capacity: u32) -> Result<()> {
    require!(
        data.len() >= 8 + BOOK_HEADER_SIZE,
        SoftliqError::BadAccountLayout
    );
    let (d, rest) = data.split_at_mut(8);
    d.copy_from_slice(disc);
    let header: &mut BookHeader = bytemuck::try_from_bytes_mut(&mut rest[..BOOK_HEADER_SIZE])
        .map_err(|_| error!(SoftliqError::BadAccountLayout))?;
    header.market = market;
    header.capacity = capacity;
    header.used = 0;
    header.free_head = crate::state::NONE;
    header.next_unused = 0;
    Ok(())
}

/// Health at a margin as i64 for events (saturating).
pub fn health_i64(collateral: u64, debt: u64, price: u64, margin_bps: u64) -> i64 {
    health::health(collateral, debt, price, margin_bps)
        .map(|h| h.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
        .unwrap_or(i64::MIN)
}

/// Requires a non-zero amount.
pub fn require_nonzero(amount: u64) -> Result<()> {
    require!(amount > 0, SoftliqError::ZeroAmount);
    Ok(())
}

/// `a + b`, an overflow is `MathOverflow`.
pub fn checked_add(a: u64, b: u64) -> Result<u64> {
    math!(a.checked_add(b))
}

/// `a − b`, an underflow is `MathOverflow`.
pub fn checked_sub(a: u64, b: u64) -> Result<u64> {
    math!(a.checked_sub(b))
}
