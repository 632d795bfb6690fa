//! Real SPL Token / Token-2022 mints and token accounts, made through the
//! deployed token programs in the bank.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bank::Bank;

pub const TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;

/// Creates a mint owned by `program` (Token or Token-2022) with the payer as authority.
pub async fn create_mint(bank: &mut Bank, program: Pubkey, decimals: u8) -> Pubkey {
    create_mint_with(bank, program, decimals, &Keypair::new()).await
}

/// As [`create_mint`], at the address of `mint` (deterministic tests).
pub async fn create_mint_with(
    bank: &mut Bank,
    program: Pubkey,
    decimals: u8,
    mint: &Keypair,
) -> Pubkey {
    let len = spl_token_2022::state::Mint::LEN;
    let lamports = bank.rent(len).await;
    let payer = bank.payer();
    let ixs = [
        system_instruction::create_account(&payer, &mint.pubkey(), lamports, len as u64, &program),
        spl_token_2022::instruction::initialize_mint2(
            &program,
            &mint.pubkey(),
            &payer,
            None,
            decimals,
        )
        .expect("init mint"),
    ];
    bank.send(&ixs, &[mint]).await.expect("create mint");
    mint.pubkey()
}

/// Creates a Token-2022 mint with a transfer-fee extension (rejected by softliq).
pub async fn create_fee_mint(bank: &mut Bank, decimals: u8) -> Pubkey {
    use spl_token_2022::extension::{transfer_fee, ExtensionType};
    let mint = Keypair::new();
    let len = ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&[
        ExtensionType::TransferFeeConfig,
    ])
    .expect("len");
    let lamports = bank.rent(len).await;
    let payer = bank.payer();
    let ixs = [
        system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            lamports,
            len as u64,
            &TOKEN_2022,
        ),
        transfer_fee::instruction::initialize_transfer_fee_config(
            &TOKEN_2022,
            &mint.pubkey(),
            Some(&payer),
            Some(&payer),
            50,
            1_000_000,
        )
        .expect("fee"),
        spl_token_2022::instruction::initialize_mint2(
            &TOKEN_2022,
            &mint.pubkey(),
            &payer,
            None,
            decimals,
        )
        .expect("init mint"),
    ];
    bank.send(&ixs, &[&mint]).await.expect("create fee mint");
    mint.pubkey()
}

/// Creates a token account of `mint` owned by `owner`.
pub async fn create_token_account(
    bank: &mut Bank,
    program: Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
) -> Pubkey {
    create_token_account_with(bank, program, mint, owner, &Keypair::new()).await
}

/// As [`create_token_account`], at the address of `acc` (deterministic tests).
pub async fn create_token_account_with(
    bank: &mut Bank,
    program: Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    acc: &Keypair,
) -> Pubkey {
    let len = if program == TOKEN_2022 {
        spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
            spl_token_2022::state::Account,
        >(&[spl_token_2022::extension::ExtensionType::ImmutableOwner])
        .expect("len")
    } else {
        spl_token_2022::state::Account::LEN
    };
    let lamports = bank.rent(len).await;
    let payer = bank.payer();
    let mut ixs = vec![system_instruction::create_account(
        &payer,
        &acc.pubkey(),
        lamports,
        len as u64,
        &program,
    )];
    if program == TOKEN_2022 {
        ixs.push(
            spl_token_2022::instruction::initialize_immutable_owner(&program, &acc.pubkey())
                .expect("immutable"),
        );
    }
    ixs.push(
        spl_token_2022::instruction::initialize_account3(&program, &acc.pubkey(), mint, owner)
            .expect("init acc"),
    );
    bank.send(&ixs, &[acc]).await.expect("create token account");
    acc.pubkey()
}

/// Mints `amount` to `dest` (payer is the mint authority).
pub async fn mint_to(bank: &mut Bank, program: Pubkey, mint: &Pubkey, dest: &Pubkey, amount: u64) {
    let payer = bank.payer();
    let ix = spl_token_2022::instruction::mint_to(&program, mint, dest, &payer, &[], amount)
        .expect("mint_to");
    bank.send(&[ix], &[]).await.expect("mint to");
}

/// Token balance of a token account (0 if missing).
pub async fn balance(bank: &mut Bank, account: &Pubkey) -> u64 {
    let data = bank.data(account).await;
    if data.len() < 72 {
        return 0;
    }
    u64::from_le_bytes(data[64..72].try_into().expect("amount"))
}

/// A mint extension (or authority) the red-team tests try against softliq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExt {
    /// No extension (a Token-2022 mint with only its base state).
    Plain,
    CloseAuthority,
    PermanentDelegate,
    InterestBearing,
    ScaledUiAmount,
    Pausable,
    DefaultFrozen,
    TransferFee,
    /// Accepted: describes the token only.
    MetadataPointer,
}

/// Creates a Token-2022 mint with one extension (authorities: the payer);
/// `freeze_authority` also sets a freeze authority.
pub async fn create_mint_ext(
    bank: &mut Bank,
    decimals: u8,
    ext: MintExt,
    freeze_authority: bool,
) -> Pubkey {
    use spl_token_2022::extension::{
        default_account_state, interest_bearing_mint, metadata_pointer, pausable, scaled_ui_amount,
        transfer_fee, ExtensionType,
    };
    let mint = Keypair::new();
    let m = mint.pubkey();
    let payer = bank.payer();
    let p = &TOKEN_2022;
    let (types, init): (Vec<ExtensionType>, Vec<_>) = match ext {
        MintExt::Plain => (vec![], vec![]),
        MintExt::CloseAuthority => (
            vec![ExtensionType::MintCloseAuthority],
            vec![
                spl_token_2022::instruction::initialize_mint_close_authority(p, &m, Some(&payer))
                    .expect("close authority"),
            ],
        ),
        MintExt::PermanentDelegate => (
            vec![ExtensionType::PermanentDelegate],
            vec![
                spl_token_2022::instruction::initialize_permanent_delegate(p, &m, &payer)
                    .expect("delegate"),
            ],
        ),
        MintExt::InterestBearing => (
            vec![ExtensionType::InterestBearingConfig],
            vec![
                interest_bearing_mint::instruction::initialize(p, &m, Some(payer), 500)
                    .expect("interest"),
            ],
        ),
        MintExt::ScaledUiAmount => (
            vec![ExtensionType::ScaledUiAmount],
            vec![
                scaled_ui_amount::instruction::initialize(p, &m, Some(payer), 2.0).expect("scaled"),
            ],
        ),
        MintExt::Pausable => (
            vec![ExtensionType::Pausable],
            vec![pausable::instruction::initialize(p, &m, &payer).expect("pausable")],
        ),
        MintExt::DefaultFrozen => (
            vec![ExtensionType::DefaultAccountState],
            vec![
                default_account_state::instruction::initialize_default_account_state(
                    p,
                    &m,
                    &spl_token_2022::state::AccountState::Frozen,
                )
                .expect("default state"),
            ],
        ),
        MintExt::TransferFee => (
            vec![ExtensionType::TransferFeeConfig],
            vec![transfer_fee::instruction::initialize_transfer_fee_config(
                p,
                &m,
                Some(&payer),
                Some(&payer),
                50,
                1_000_000,
            )
            .expect("fee")],
        ),
        MintExt::MetadataPointer => (
            vec![ExtensionType::MetadataPointer],
            vec![
                metadata_pointer::instruction::initialize(p, &m, Some(payer), Some(m))
                    .expect("metadata pointer"),
            ],
        ),
    };
    let len = ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&types)
        .expect("len");
    let lamports = bank.rent(len).await;
    let freeze = (freeze_authority || ext == MintExt::DefaultFrozen).then_some(payer);
    let mut ixs = vec![system_instruction::create_account(
        &payer, &m, lamports, len as u64, p,
    )];
    ixs.extend(init);
    ixs.push(
        spl_token_2022::instruction::initialize_mint2(p, &m, &payer, freeze.as_ref(), decimals)
            .expect("init mint"),
    );
    bank.send(&ixs, &[&mint]).await.expect("create mint");
    m
}

/// Creates a classic SPL Token mint whose freeze authority is the payer.
pub async fn create_freezable_mint(bank: &mut Bank, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let len = spl_token_2022::state::Mint::LEN;
    let lamports = bank.rent(len).await;
    let payer = bank.payer();
    let ixs = [
        system_instruction::create_account(&payer, &mint.pubkey(), lamports, len as u64, &TOKEN),
        spl_token_2022::instruction::initialize_mint2(
            &TOKEN,
            &mint.pubkey(),
            &payer,
            Some(&payer),
            decimals,
        )
        .expect("init mint"),
    ];
    bank.send(&ixs, &[&mint]).await.expect("create mint");
    mint.pubkey()
}
