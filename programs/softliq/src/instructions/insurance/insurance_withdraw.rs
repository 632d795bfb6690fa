use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::insurance_deposit::INSURANCE_WITHDRAW;
use crate::engine::interest;
use crate::engine::pool;
use crate::error::SoftliqError;
use crate::events::InsuranceChanged;
use crate::instructions::common::{certain_loss, checked_sub, transfer_out};
use crate::math;
use crate::state::{InsuranceStake, Market, STAKE_SEED, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct InsuranceWithdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut, has_one = owner @ SoftliqError::NotOwner, has_one = market @ SoftliqError::WrongMarket,
        seeds = [STAKE_SEED, market.key().as_ref(), owner.key().as_ref()], bump = stake.bump,
    )]
    pub stake: Box<Account<'info, InsuranceStake>>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    /// CHECK: read and guarded by `oracle::load_price` when the pool has debt.
    pub oracle: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Slots after the cooldown during which a request can be withdrawn; then it
/// lapses and must be made again (a new cooldown). No request keeps an exit
/// open for ever, ready for the moment a loss becomes certain.
pub const INSURANCE_WITHDRAW_WINDOW_SLOTS: u64 = 9_000;

/// The last slot at which a request whose cooldown ends at `ready_slot` can
/// still be withdrawn.
pub fn request_lapses_slot(ready_slot: u64) -> u64 {
    ready_slot.saturating_add(INSURANCE_WITHDRAW_WINDOW_SLOTS)
}

/// Withdraws the requested shares once the cooldown has elapsed and before
/// the window after it closes, at the fund's exit value now: its balance less
/// what it may still have to cover (the certain loss of insolvent positions,
/// all debt awaited from lots; `engine::pool::insurance_exit_value`).
pub fn handler(ctx: Context<InsuranceWithdraw>) -> Result<()> {
    let clock = Clock::get()?;
    let slot = clock.slot;
    let market_key = ctx.accounts.market.key();
    let oracle = ctx.accounts.oracle.to_account_info();
    let stake = &mut ctx.accounts.stake;
    let shares = stake.pending_shares;
    require!(shares > 0, SoftliqError::NoPendingWithdrawal);
    let (amount, balance_after, bump) = {
        let mut m = ctx.accounts.market.load_mut()?;
        let ready = math!(stake
            .request_slot
            .checked_add(m.params.insurance_withdraw_cooldown_slots))?;
        require!(slot >= ready, SoftliqError::CooldownNotElapsed);
        require!(
            slot <= request_lapses_slot(ready),
            SoftliqError::WithdrawWindowExpired
        );
        interest::accrue_market(&mut m, slot);
        let loss = certain_loss(&mut m, &market_key, &oracle, &clock)?;
        let value = pool::insurance_exit_value(
            m.insurance_balance_native,
            loss,
            m.lot_debt_outstanding_native,
        );
        let amount = math!(pool::amount_for_shares(
            shares,
            m.insurance_shares_total,
            value
        ))?;
        m.insurance_shares_total = checked_sub(m.insurance_shares_total, shares)?;
        m.insurance_balance_native = checked_sub(m.insurance_balance_native, amount)?;
        (amount, m.insurance_balance_native, m.vault_auth_bump)
    };
    stake.shares = checked_sub(stake.shares, shares)?;
    stake.pending_shares = 0;
    let owner = stake.owner;
    let a = &ctx.accounts;
    transfer_out(
        &a.debt_token_program,
        &a.insurance_vault,
        &a.owner_debt,
        &a.debt_mint,
        &a.vault_auth.to_account_info(),
        &market_key,
        bump,
        amount,
    )?;
    emit!(InsuranceChanged {
        market: market_key,
        owner,
        action: INSURANCE_WITHDRAW,
        amount,
        shares,
        balance_after
    });
    Ok(())
}
