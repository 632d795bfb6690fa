//! softliq: margin positions liquidated softly. `lib.rs` only dispatches; see
//! `instructions/` (one file per instruction), `engine/` (pure logic) and
//! `math/` (checked fixed point).
#![deny(clippy::arithmetic_side_effects)]
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
// memcpy & co. and the u128 libcall shims for the registry-only SBF build.
#[cfg(all(target_os = "solana", feature = "sbf-registry-toolchain"))]
use solana_compiler_builtins as _;

#[cfg(feature = "client")]
pub mod client;
pub mod engine;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod oracle;
pub mod state;

use instructions::*;
use state::{MarketParams, RiskParams};

declare_id!("BjiAzQd2mWhtTosP4e9cvCpFKxTsuffzC5vHJZ1Fu6yf");

#[program]
pub mod softliq {
    use super::*;

    pub fn initialize_market(
        ctx: Context<InitializeMarket>,
        args: InitializeMarketArgs,
    ) -> Result<()> {
        instructions::admin::initialize_market::handler(ctx, args)
    }
    pub fn update_params(
        ctx: Context<UpdateParams>,
        params: MarketParams,
        paused: u8,
    ) -> Result<()> {
        instructions::admin::update_params::handler(ctx, params, paused)
    }
    pub fn set_risk_params(ctx: Context<SetRiskParams>, risk: RiskParams) -> Result<()> {
        instructions::admin::set_risk_params::handler(ctx, risk)
    }
    pub fn refresh_risk(ctx: Context<RefreshRisk>) -> Result<()> {
        instructions::keeper::refresh_risk::handler(ctx)
    }
    pub fn init_slab(ctx: Context<InitSlab>, capacity: u32) -> Result<()> {
        instructions::admin::init_slab::handler(ctx, capacity)
    }
    pub fn lp_deposit(ctx: Context<LpDeposit>, amount: u64) -> Result<()> {
        instructions::lp::lp_deposit::handler(ctx, amount)
    }
    pub fn lp_withdraw(ctx: Context<LpWithdraw>, shares: u64) -> Result<()> {
        instructions::lp::lp_withdraw::handler(ctx, shares)
    }
    pub fn open_position(ctx: Context<OpenPosition>) -> Result<()> {
        instructions::user::open_position::handler(ctx)
    }
    pub fn deposit_collateral(
        ctx: Context<DepositCollateral>,
        index: u32,
        generation: u32,
        amount: u64,
    ) -> Result<()> {
        instructions::user::deposit_collateral::handler(ctx, index, generation, amount)
    }
    pub fn withdraw_collateral(
        ctx: Context<WithdrawCollateral>,
        index: u32,
        generation: u32,
        amount: u64,
    ) -> Result<()> {
        instructions::user::withdraw_collateral::handler(ctx, index, generation, amount)
    }
    pub fn borrow(ctx: Context<Borrow>, index: u32, generation: u32, amount: u64) -> Result<()> {
        instructions::user::borrow::handler(ctx, index, generation, amount)
    }
    pub fn repay(ctx: Context<Repay>, index: u32, generation: u32, max_amount: u64) -> Result<()> {
        instructions::user::repay::handler(ctx, index, generation, max_amount)
    }
    pub fn close_position(ctx: Context<ClosePosition>, index: u32, generation: u32) -> Result<()> {
        instructions::user::close_position::handler(ctx, index, generation)
    }
    pub fn crank_liquidate(ctx: Context<CrankLiquidate>, entries: Vec<PositionRef>) -> Result<()> {
        instructions::keeper::crank_liquidate::handler(ctx, entries)
    }
    pub fn auction_take(
        ctx: Context<AuctionTake>,
        lot_index: u32,
        lot_generation: u32,
        max_collateral: u64,
        max_price: u64,
    ) -> Result<()> {
        instructions::auction::auction_take::handler(
            ctx,
            lot_index,
            lot_generation,
            max_collateral,
            max_price,
        )
    }
    pub fn auction_reset(
        ctx: Context<AuctionReset>,
        lot_index: u32,
        lot_generation: u32,
    ) -> Result<()> {
        instructions::auction::auction_reset::handler(ctx, lot_index, lot_generation)
    }
    pub fn auction_redeem(
        ctx: Context<AuctionRedeem>,
        lot_index: u32,
        lot_generation: u32,
    ) -> Result<()> {
        instructions::auction::auction_redeem::handler(ctx, lot_index, lot_generation)
    }
    pub fn auction_settle(
        ctx: Context<AuctionSettle>,
        lot_index: u32,
        lot_generation: u32,
    ) -> Result<()> {
        instructions::auction::auction_settle::handler(ctx, lot_index, lot_generation)
    }
    pub fn insurance_deposit(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
        instructions::insurance::insurance_deposit::handler(ctx, amount)
    }
    pub fn insurance_request_withdraw(
        ctx: Context<InsuranceRequestWithdraw>,
        shares: u64,
    ) -> Result<()> {
        instructions::insurance::insurance_request_withdraw::handler(ctx, shares)
    }
    pub fn insurance_withdraw(ctx: Context<InsuranceWithdraw>) -> Result<()> {
        instructions::insurance::insurance_withdraw::handler(ctx)
    }
}
