use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::engine::params::validate;
use crate::engine::{bands, risk};
use crate::error::SoftliqError;
use crate::events::MarketInitialized;
use crate::instructions::common::init_book_header;
use crate::instructions::common::observe_price;
use crate::math::BORROW_INDEX_SCALE;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeMarketArgs {
    pub params: MarketParams,
    pub oracle_kind: u8,
    /// Pyth feed id (pull oracle); ignored for legacy.
    pub oracle_feed_id: [u8; 32],
    /// The market's price is 1 / the feed's price.
    pub inverted: bool,
    pub lot_capacity: u32,
    /// Dynamic risk (see docs/dynamic-risk.md); the add-on cap is fixed here.
    pub risk: RiskParams,
}

#[derive(Accounts)]
pub struct InitializeMarket<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(init, payer = admin, space = Market::SPACE)]
    pub market: AccountLoader<'info, Market>,
    /// Created by the client (owner = program, zeroed) in the same transaction.
    #[account(zero)]
    pub lot_book: AccountLoader<'info, LotBook>,
    #[account(mint::token_program = collateral_token_program)]
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mint::token_program = debt_token_program)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signing for the vaults; holds no data.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump)]
    pub vault_auth: UncheckedAccount<'info>,
    #[account(
        init, payer = admin,
        seeds = [COLLATERAL_VAULT_SEED, market.key().as_ref()], bump,
        token::mint = collateral_mint, token::authority = vault_auth,
        token::token_program = collateral_token_program,
    )]
    pub collateral_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init, payer = admin,
        seeds = [DEBT_VAULT_SEED, market.key().as_ref()], bump,
        token::mint = debt_mint, token::authority = vault_auth,
        token::token_program = debt_token_program,
    )]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init, payer = admin,
        seeds = [INSURANCE_VAULT_SEED, market.key().as_ref()], bump,
        token::mint = debt_mint, token::authority = vault_auth,
        token::token_program = debt_token_program,
    )]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: read and guarded by `oracle::load_price` below.
    pub oracle: UncheckedAccount<'info>,
    pub collateral_token_program: Interface<'info, TokenInterface>,
    pub debt_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// The only Token-2022 mint extensions accepted: they describe the token and
/// give no one power over balances. Every other extension is refused, the
/// unknown ones included: a close authority (the mint can be closed at supply
/// 0 and re-created at the same address with a permanent delegate), a
/// permanent delegate, transfer fees or hooks, confidential transfers,
/// default-frozen accounts, non-transferability, interest-bearing or scaled
/// UI amounts (a displayed balance that differs from the one the books
/// hold) and pausability (an outside authority stopping every transfer).
const ALLOWED_EXTENSIONS: [ExtensionType; 6] = [
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Refuses a mint whose extensions could move, freeze, close or rescale the
/// vault's funds (see `ALLOWED_EXTENSIONS`); a collateral mint may not have a
/// freeze authority either (frozen collateral could neither be withdrawn nor
/// seized). A debt mint's freeze authority (USDC's issuer) remains an issuer
/// risk, documented in docs/security.md.
fn check_mint(mint: &AccountInfo, collateral: bool) -> Result<()> {
    let data = mint.try_borrow_data()?;
    // Both token programs share the base layout; only Token-2022 has extensions.
    let state =
        StateWithExtensions::<anchor_spl::token_2022::spl_token_2022::state::Mint>::unpack(&data)
            .map_err(|_| error!(SoftliqError::UnsupportedMintExtension))?;
    if *mint.owner == anchor_spl::token_2022::ID {
        let types = state
            .get_extension_types()
            .map_err(|_| error!(SoftliqError::UnsupportedMintExtension))?;
        for t in types {
            require!(
                ALLOWED_EXTENSIONS.contains(&t),
                SoftliqError::UnsupportedMintExtension
            );
        }
    }
    if collateral {
        require!(
            state.base.freeze_authority.is_none(),
            SoftliqError::FreezeAuthorityNotAllowed
        );
    }
    Ok(())
}

pub fn handler(ctx: Context<InitializeMarket>, args: InitializeMarketArgs) -> Result<()> {
    validate(&args.params).map_err(SoftliqError::from)?;
    risk::validate(&args.params, &args.risk).map_err(SoftliqError::from)?;
    require!(
        args.oracle_kind == ORACLE_KIND_PYTH_PULL || args.oracle_kind == ORACLE_KIND_PYTH_LEGACY,
        SoftliqError::OracleMalformed
    );
    let lot_space = lot_book_account_size(args.lot_capacity as usize);
    require!(
        args.lot_capacity > 0 && args.lot_capacity as usize <= MAX_LOT_CAPACITY,
        SoftliqError::BadCapacity
    );
    require!(
        ctx.accounts.lot_book.as_ref().data_len() >= lot_space,
        SoftliqError::BadAccountLayout
    );
    check_mint(&ctx.accounts.collateral_mint.to_account_info(), true)?;
    check_mint(&ctx.accounts.debt_mint.to_account_info(), false)?;

    let market_key = ctx.accounts.market.key();
    {
        let info = ctx.accounts.lot_book.as_ref();
        let mut data = info.try_borrow_mut_data()?;
        init_book_header(
            &mut data,
            LotBook::DISCRIMINATOR,
            market_key,
            args.lot_capacity,
        )?;
    }
    let clock = Clock::get()?;
    let mut m = ctx.accounts.market.load_init()?;
    m.admin = ctx.accounts.admin.key();
    m.collateral_mint = ctx.accounts.collateral_mint.key();
    m.debt_mint = ctx.accounts.debt_mint.key();
    m.collateral_vault = ctx.accounts.collateral_vault.key();
    m.debt_vault = ctx.accounts.debt_vault.key();
    m.insurance_vault = ctx.accounts.insurance_vault.key();
    m.lot_book = ctx.accounts.lot_book.key();
    m.oracle = ctx.accounts.oracle.key();
    m.oracle_feed_id = args.oracle_feed_id;
    m.params = args.params;
    m.risk = args.risk;
    m.borrow_index = BORROW_INDEX_SCALE;
    m.last_accrual_slot = clock.slot;
    m.vault_auth_bump = ctx.bumps.vault_auth;
    m.oracle_kind = args.oracle_kind;
    m.inverted = u8::from(args.inverted);
    m.collateral_decimals = ctx.accounts.collateral_mint.decimals;
    m.debt_decimals = ctx.accounts.debt_mint.decimals;
    // The oracle must read and pass every guard now; its price seeds the estimate.
    let price = crate::oracle::load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    observe_price(&mut m, &market_key, &price, clock.slot)?;
    m.band_octave_min = bands::octave_min_for(price.price);

    emit!(MarketInitialized {
        market: market_key,
        admin: m.admin,
        collateral_mint: m.collateral_mint,
        debt_mint: m.debt_mint,
        lot_book: m.lot_book,
        oracle_kind: m.oracle_kind,
        inverted: args.inverted,
    });
    Ok(())
}
