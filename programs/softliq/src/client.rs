//! Off-chain instruction builders (feature `client`): the permissionless
//! instructions (crank, refresh, take, reset, settle) from the program's own
//! Anchor account structs and instruction data types, and the keys they name.
//! The keeper (`softliq_keeper::ixs`), the simulator and the test harness
//! (`tests/src/market.rs`) all build these instructions here.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};

use crate::instructions::PositionRef;
use crate::state::{Market, VAULT_AUTH_SEED};

/// Every address a keeper's or bidder's instruction names, resolved once per market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketKeys {
    pub market: Pubkey,
    pub lot_book: Pubkey,
    /// The price account passed to the program (the market's own by default).
    pub oracle: Pubkey,
    pub collateral_mint: Pubkey,
    pub debt_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub debt_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub vault_auth: Pubkey,
    /// Token program owning the collateral mint (Token or Token-2022).
    pub collateral_program: Pubkey,
    /// Token program owning the debt mint.
    pub debt_program: Pubkey,
}

impl MarketKeys {
    /// Keys of the market at `market` whose account decodes to `m`; the token
    /// programs are the owners of the two mint accounts.
    pub fn new(
        market: Pubkey,
        m: &Market,
        collateral_program: Pubkey,
        debt_program: Pubkey,
    ) -> Self {
        Self {
            market,
            lot_book: m.lot_book,
            oracle: m.oracle,
            collateral_mint: m.collateral_mint,
            debt_mint: m.debt_mint,
            collateral_vault: m.collateral_vault,
            debt_vault: m.debt_vault,
            insurance_vault: m.insurance_vault,
            vault_auth: vault_auth(&market, m.vault_auth_bump),
            collateral_program,
            debt_program,
        }
    }
}

/// The vault authority PDA `["vault_auth", market]` (with the stored bump when it is right).
pub fn vault_auth(market: &Pubkey, bump: u8) -> Pubkey {
    Pubkey::create_program_address(&[VAULT_AUTH_SEED, market.as_ref(), &[bump]], &crate::ID)
        .unwrap_or_else(|_| {
            Pubkey::find_program_address(&[VAULT_AUTH_SEED, market.as_ref()], &crate::ID).0
        })
}

/// Associated token account of `owner` for `mint` under `token_program`.
pub fn ata(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    anchor_spl::associated_token::get_associated_token_address_with_program_id(
        owner,
        mint,
        token_program,
    )
}

/// Serialized (wire) size of a legacy transaction of `ixs` paid by `payer`.
pub fn tx_size(ixs: &[Instruction], payer: &Pubkey) -> usize {
    let tx = solana_transaction::Transaction::new_with_payer(ixs, Some(payer));
    bincode::serialized_size(&tx).expect("a transaction always serializes") as usize
}

/// The program's instruction with `accounts` and `data`.
pub fn ix(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: crate::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `crank_liquidate(entries)` on `slab`, paying the keeper into `keeper_debt`.
pub fn crank_ix(
    k: &MarketKeys,
    keeper: &Pubkey,
    keeper_debt: &Pubkey,
    slab: &Pubkey,
    entries: Vec<PositionRef>,
) -> Instruction {
    let a = crate::accounts::CrankLiquidate {
        keeper: *keeper,
        market: k.market,
        slab: *slab,
        lot_book: k.lot_book,
        oracle: k.oracle,
        insurance_vault: k.insurance_vault,
        keeper_debt: *keeper_debt,
        debt_mint: k.debt_mint,
        vault_auth: k.vault_auth,
        debt_token_program: k.debt_program,
    };
    ix(a, crate::instruction::CrankLiquidate { entries })
}

/// `refresh_risk()`: feeds the current oracle price to the market's
/// volatility estimate (permissionless).
pub fn refresh_risk_ix(k: &MarketKeys) -> Instruction {
    let a = crate::accounts::RefreshRisk {
        market: k.market,
        oracle: k.oracle,
    };
    ix(a, crate::instruction::RefreshRisk {})
}

/// Accounts of a take beyond the market's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taker {
    pub taker: Pubkey,
    /// Pays the quote.
    pub taker_debt: Pubkey,
    /// Receives the collateral.
    pub taker_collateral: Pubkey,
}

/// The accounts of `auction_take`. `slab` is the lot's slab (surplus goes
/// back to the position); `owner_collateral` the owner's collateral account,
/// needed only when the position no longer exists.
pub fn take_accounts(
    k: &MarketKeys,
    t: &Taker,
    slab: Option<Pubkey>,
    owner_collateral: Option<Pubkey>,
) -> crate::accounts::AuctionTake {
    crate::accounts::AuctionTake {
        taker: t.taker,
        market: k.market,
        lot_book: k.lot_book,
        taker_debt: t.taker_debt,
        taker_collateral: t.taker_collateral,
        collateral_vault: k.collateral_vault,
        debt_vault: k.debt_vault,
        insurance_vault: k.insurance_vault,
        collateral_mint: k.collateral_mint,
        debt_mint: k.debt_mint,
        vault_auth: k.vault_auth,
        collateral_token_program: k.collateral_program,
        debt_token_program: k.debt_program,
        slab,
        owner_collateral,
    }
}

/// `auction_take(lot, max_collateral, max_price)` with [`take_accounts`].
#[allow(clippy::too_many_arguments)]
pub fn take_ix(
    k: &MarketKeys,
    t: &Taker,
    lot_index: u32,
    lot_generation: u32,
    max_collateral: u64,
    max_price: u64,
    slab: Option<Pubkey>,
    owner_collateral: Option<Pubkey>,
) -> Instruction {
    ix(
        take_accounts(k, t, slab, owner_collateral),
        crate::instruction::AuctionTake {
            lot_index,
            lot_generation,
            max_collateral,
            max_price,
        },
    )
}

/// `auction_reset(lot)`: restarts a stale lot at the fresh oracle price (tip to `caller_debt`).
pub fn reset_ix(
    k: &MarketKeys,
    caller: &Pubkey,
    caller_debt: &Pubkey,
    lot_index: u32,
    lot_generation: u32,
) -> Instruction {
    let a = crate::accounts::AuctionReset {
        caller: *caller,
        market: k.market,
        lot_book: k.lot_book,
        oracle: k.oracle,
        insurance_vault: k.insurance_vault,
        caller_debt: *caller_debt,
        debt_mint: k.debt_mint,
        vault_auth: k.vault_auth,
        debt_token_program: k.debt_program,
    };
    ix(
        a,
        crate::instruction::AuctionReset {
            lot_index,
            lot_generation,
        },
    )
}

/// `auction_settle(lot)`: a sold-out lot with an unpaid tab goes to the loss waterfall.
pub fn settle_ix(
    k: &MarketKeys,
    caller: &Pubkey,
    lot_index: u32,
    lot_generation: u32,
) -> Instruction {
    let a = crate::accounts::AuctionSettle {
        caller: *caller,
        market: k.market,
        lot_book: k.lot_book,
        insurance_vault: k.insurance_vault,
        debt_vault: k.debt_vault,
        debt_mint: k.debt_mint,
        vault_auth: k.vault_auth,
        debt_token_program: k.debt_program,
    };
    ix(
        a,
        crate::instruction::AuctionSettle {
            lot_index,
            lot_generation,
        },
    )
}
