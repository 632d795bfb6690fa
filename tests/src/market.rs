//! `TestMarket` / `TestUser`: a market made through the real instructions and
//! one helper per instruction. Every helper checks the invariants after a
//! successful transaction (see `invariants.rs`).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::{AccountDeserialize, InstructionData, ToAccountMetas};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use softliq::client::{self, MarketKeys};
use softliq::state::*;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bank::{Bank, TxError};
use crate::pyth::{self, FeedPrice};
use crate::tokens::{self, TOKEN};

/// How to build a test market.
#[derive(Clone, Debug)]
pub struct MarketConfig {
    pub params: MarketParams,
    /// Dynamic risk (static margins by default).
    pub risk: RiskParams,
    pub collateral_program: Pubkey,
    pub debt_program: Pubkey,
    pub collateral_decimals: u8,
    pub debt_decimals: u8,
    pub oracle_kind: u8,
    pub inverted: bool,
    pub lot_capacity: u32,
    pub slab_capacities: Vec<u32>,
    /// Feed price in whole units (e.g. 100.0 USD per SOL).
    pub price: f64,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            params: MarketParams::default_soft(),
            risk: RiskParams::static_default(),
            collateral_program: TOKEN,
            debt_program: TOKEN,
            collateral_decimals: 9,
            debt_decimals: 6,
            oracle_kind: ORACLE_KIND_PYTH_PULL,
            inverted: false,
            lot_capacity: 256,
            slab_capacities: vec![64],
            price: 100.0,
        }
    }
}

/// A position named by `(slab, index, generation)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PosRef {
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
}

/// A lot named by `(index, generation)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LotRef {
    pub index: u32,
    pub generation: u32,
}

pub struct TestUser {
    pub kp: Keypair,
    pub collateral: Pubkey,
    pub debt: Pubkey,
}

impl TestUser {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

pub struct TestMarket {
    pub admin: Keypair,
    pub market: Pubkey,
    pub lot_book: Pubkey,
    pub collateral_mint: Pubkey,
    pub debt_mint: Pubkey,
    pub collateral_program: Pubkey,
    pub debt_program: Pubkey,
    pub collateral_vault: Pubkey,
    pub debt_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub vault_auth: Pubkey,
    pub oracle: Pubkey,
    pub feed_id: [u8; 32],
    pub oracle_kind: u8,
    pub slabs: Vec<Pubkey>,
    /// LP and stake accounts made through the helpers (for the invariant checker).
    pub lp_accounts: Vec<Pubkey>,
    pub stake_accounts: Vec<Pubkey>,
    pub check_invariants: bool,
    /// Invariant checks run so far.
    pub checks: u64,
}

/// Addresses of a market made by `create_keyed`.
struct CreateKeys {
    admin: Keypair,
    market: Keypair,
    lot_book: Keypair,
    oracle: Pubkey,
    feed_id: [u8; 32],
    /// Seeded slab keypairs (`create_seeded`), or random ones.
    slab_seed: Option<u8>,
}

const SEED_DOMAIN_MARKET: u8 = 1;
const SEED_DOMAIN_USER: u8 = 2;

/// A keypair fixed by `(domain, seed, n)`: its secret key is those three bytes
/// followed by a constant filler. Used by the seeded constructors.
pub fn seeded_keypair(domain: u8, seed: u8, n: u8) -> Keypair {
    let mut secret = [0x5Au8; 32];
    secret[0] = domain;
    secret[1] = seed;
    secret[2] = n;
    Keypair::new_from_array(secret)
}

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &softliq::ID).0
}

impl TestMarket {
    /// Mints, oracle, market, vaults, lot book and slabs, all through real instructions.
    pub async fn create(bank: &mut Bank, cfg: MarketConfig) -> Self {
        let collateral_mint =
            tokens::create_mint(bank, cfg.collateral_program, cfg.collateral_decimals).await;
        let debt_mint = tokens::create_mint(bank, cfg.debt_program, cfg.debt_decimals).await;
        Self::create_with_mints(bank, cfg, collateral_mint, debt_mint)
            .await
            .expect("create market")
    }

    pub async fn create_with_mints(
        bank: &mut Bank,
        cfg: MarketConfig,
        collateral_mint: Pubkey,
        debt_mint: Pubkey,
    ) -> Result<Self, TxError> {
        let mut feed_id = [0u8; 32];
        feed_id[..8].copy_from_slice(&rand_u64().to_le_bytes());
        let keys = CreateKeys {
            admin: Keypair::new(),
            market: Keypair::new(),
            lot_book: Keypair::new(),
            oracle: Pubkey::new_unique(),
            feed_id,
            slab_seed: None,
        };
        Self::create_keyed(bank, cfg, collateral_mint, debt_mint, keys).await
    }

    /// As [`TestMarket::create`], but every address (mints, admin, market, lot book,
    /// oracle, slabs) and the feed id derive from `seed` ([`seeded_keypair`]), so that
    /// the same scenario at the same slots writes the same bytes (fixtures).
    pub async fn create_seeded(bank: &mut Bank, cfg: MarketConfig, seed: u8) -> Self {
        let kp = |n: u8| seeded_keypair(SEED_DOMAIN_MARKET, seed, n);
        let collateral_mint = tokens::create_mint_with(
            bank,
            cfg.collateral_program,
            cfg.collateral_decimals,
            &kp(1),
        )
        .await;
        let debt_mint =
            tokens::create_mint_with(bank, cfg.debt_program, cfg.debt_decimals, &kp(2)).await;
        let mut feed_id = [0u8; 32];
        for (i, b) in feed_id.iter_mut().enumerate() {
            *b = seed
                .wrapping_mul(31)
                .wrapping_add((i as u8).wrapping_mul(7));
        }
        let keys = CreateKeys {
            admin: kp(3),
            market: kp(4),
            lot_book: kp(5),
            oracle: kp(6).pubkey(),
            feed_id,
            slab_seed: Some(seed),
        };
        Self::create_keyed(bank, cfg, collateral_mint, debt_mint, keys)
            .await
            .expect("create market")
    }

    async fn create_keyed(
        bank: &mut Bank,
        cfg: MarketConfig,
        collateral_mint: Pubkey,
        debt_mint: Pubkey,
        keys: CreateKeys,
    ) -> Result<Self, TxError> {
        let CreateKeys {
            admin,
            market,
            lot_book,
            oracle,
            feed_id,
            slab_seed,
        } = keys;
        let mut tm = TestMarket {
            market: market.pubkey(),
            lot_book: lot_book.pubkey(),
            collateral_mint,
            debt_mint,
            collateral_program: cfg.collateral_program,
            debt_program: cfg.debt_program,
            collateral_vault: pda(&[COLLATERAL_VAULT_SEED, market.pubkey().as_ref()]),
            debt_vault: pda(&[DEBT_VAULT_SEED, market.pubkey().as_ref()]),
            insurance_vault: pda(&[INSURANCE_VAULT_SEED, market.pubkey().as_ref()]),
            vault_auth: pda(&[VAULT_AUTH_SEED, market.pubkey().as_ref()]),
            oracle,
            feed_id,
            oracle_kind: cfg.oracle_kind,
            slabs: vec![],
            lp_accounts: vec![],
            stake_accounts: vec![],
            check_invariants: true,
            checks: 0,
            admin,
        };
        bank.ctx
            .banks_client
            .process_transaction(solana_transaction::Transaction::new_signed_with_payer(
                &[system_instruction::transfer(
                    &bank.payer(),
                    &tm.admin.pubkey(),
                    1_000_000_000_000,
                )],
                Some(&bank.payer()),
                &[&bank.ctx.payer],
                bank.ctx
                    .banks_client
                    .get_latest_blockhash()
                    .await
                    .expect("hash"),
            ))
            .await
            .expect("fund admin");
        tm.set_price(bank, cfg.price).await;

        let lot_len = lot_book_account_size(cfg.lot_capacity as usize);
        let lamports = bank.rent(lot_len).await;
        let create_lot_book = system_instruction::create_account(
            &bank.payer(),
            &lot_book.pubkey(),
            lamports,
            lot_len as u64,
            &softliq::ID,
        );
        let accounts = softliq::accounts::InitializeMarket {
            admin: tm.admin.pubkey(),
            market: tm.market,
            lot_book: tm.lot_book,
            collateral_mint,
            debt_mint,
            vault_auth: tm.vault_auth,
            collateral_vault: tm.collateral_vault,
            debt_vault: tm.debt_vault,
            insurance_vault: tm.insurance_vault,
            oracle: tm.oracle,
            collateral_token_program: cfg.collateral_program,
            debt_token_program: cfg.debt_program,
            system_program: anchor_lang::system_program::ID,
        };
        let args = softliq::instructions::InitializeMarketArgs {
            params: cfg.params,
            oracle_kind: cfg.oracle_kind,
            oracle_feed_id: feed_id,
            inverted: cfg.inverted,
            lot_capacity: cfg.lot_capacity,
            risk: cfg.risk,
        };
        let ix = Instruction {
            program_id: softliq::ID,
            accounts: accounts.to_account_metas(None),
            data: softliq::instruction::InitializeMarket { args }.data(),
        };
        let admin = tm.admin.insecure_clone();
        bank.send(&[create_lot_book, ix], &[&admin, &market, &lot_book])
            .await?;
        for (i, cap) in cfg.slab_capacities.clone().into_iter().enumerate() {
            match slab_seed {
                // Slab i of a seeded market: keypair (seed, 16 + i).
                Some(seed) => {
                    let n = u8::try_from(i + 16).expect("too many seeded slabs");
                    let slab = seeded_keypair(SEED_DOMAIN_MARKET, seed, n);
                    tm.add_slab_with(bank, cap, &slab).await?;
                }
                None => {
                    tm.add_slab(bank, cap).await?;
                }
            }
        }
        Ok(tm)
    }

    /// Creates a slab account client-side and initialises it in the same transaction.
    pub async fn add_slab(&mut self, bank: &mut Bank, capacity: u32) -> Result<Pubkey, TxError> {
        self.add_slab_with(bank, capacity, &Keypair::new()).await
    }

    /// As [`TestMarket::add_slab`], at the address of `slab`.
    pub async fn add_slab_with(
        &mut self,
        bank: &mut Bank,
        capacity: u32,
        slab: &Keypair,
    ) -> Result<Pubkey, TxError> {
        self.init_slab_with(bank, slab, capacity, slab_account_size(capacity as usize))
            .await?;
        self.slabs.push(slab.pubkey());
        Ok(slab.pubkey())
    }

    pub async fn init_slab_with(
        &mut self,
        bank: &mut Bank,
        slab: &Keypair,
        capacity: u32,
        len: usize,
    ) -> Result<(), TxError> {
        let lamports = bank.rent(len).await;
        let create = system_instruction::create_account(
            &bank.payer(),
            &slab.pubkey(),
            lamports,
            len as u64,
            &softliq::ID,
        );
        let accounts = softliq::accounts::InitSlab {
            admin: self.admin.pubkey(),
            market: self.market,
            slab: slab.pubkey(),
        };
        let ix = ix(accounts, softliq::instruction::InitSlab { capacity });
        let admin = self.admin.insecure_clone();
        bank.send(&[create, ix], &[&admin, slab]).await?;
        self.after(bank).await;
        Ok(())
    }

    /// Moves the bank one slot on and publishes `price` there; returns the new slot.
    pub async fn next_slot(&self, bank: &mut Bank, price: f64) -> u64 {
        self.advance(bank, 1, price).await
    }

    /// Moves the bank `slots` on and publishes `price` there; returns the new slot.
    pub async fn advance(&self, bank: &mut Bank, slots: u64, price: f64) -> u64 {
        let slot = bank.slot().await + slots;
        bank.warp_to(slot).await;
        self.set_price(bank, price).await;
        slot
    }

    /// Writes the oracle account at the current slot and time (price in whole units).
    pub async fn set_price(&self, bank: &mut Bank, price: f64) {
        let clock = bank.clock().await;
        self.set_feed(
            bank,
            pyth::usd_feed(price, clock.slot, clock.unix_timestamp),
        )
        .await;
    }

    pub async fn set_feed(&self, bank: &mut Bank, p: FeedPrice) {
        let account = if self.oracle_kind == ORACLE_KIND_PYTH_LEGACY {
            pyth::legacy_account(&p, true)
        } else {
            pyth::pull_account(self.feed_id, &p, VerificationLevel::Full)
        };
        bank.set_account(&self.oracle, account);
    }

    /// Runs the invariant checker if enabled.
    pub async fn after(&mut self, bank: &mut Bank) {
        if self.check_invariants {
            crate::invariants::check(bank, self)
                .await
                .unwrap_or_else(|e| panic!("invariant violated: {e}"));
            self.checks += 1;
        }
    }

    /// Sends one softliq instruction, then checks the invariants.
    pub async fn exec(
        &mut self,
        bank: &mut Bank,
        ix: Instruction,
        signers: &[&Keypair],
    ) -> Result<(), TxError> {
        bank.send(&[ix], signers).await?;
        self.after(bank).await;
        Ok(())
    }

    /// The bytes of every account the market's books live in (market, lot
    /// book, vaults, slabs): for "refused and nothing changed".
    pub async fn snapshot(&self, bank: &mut Bank) -> Vec<Vec<u8>> {
        let mut keys = vec![
            self.market,
            self.lot_book,
            self.collateral_vault,
            self.debt_vault,
            self.insurance_vault,
        ];
        keys.extend(self.slabs.iter().copied());
        let mut out = vec![];
        for k in keys {
            out.push(bank.data(&k).await);
        }
        out
    }

    pub async fn market_state(&self, bank: &mut Bank) -> Market {
        let data = bank.data(&self.market).await;
        *bytemuck::from_bytes::<Market>(&data[8..8 + core::mem::size_of::<Market>()])
    }

    pub async fn position(&self, bank: &mut Bank, pos: PosRef) -> Position {
        let data = bank.data(&pos.slab).await;
        let (_, positions) = entries_of::<Position>(&data).expect("slab");
        positions[pos.index as usize]
    }

    pub async fn lot(&self, bank: &mut Bank, lot: LotRef) -> Lot {
        let data = bank.data(&self.lot_book).await;
        let (_, lots) = entries_of::<Lot>(&data).expect("lot book");
        lots[lot.index as usize]
    }

    /// All in-use lots.
    pub async fn open_lots(&self, bank: &mut Bank) -> Vec<(LotRef, Lot)> {
        let data = bank.data(&self.lot_book).await;
        in_use_entries::<Lot>(&data)
            .map(|(index, l)| {
                (
                    LotRef {
                        index,
                        generation: l.generation,
                    },
                    *l,
                )
            })
            .collect()
    }

    /// Debt of a position now (accrual up to the market's last accrual slot).
    pub async fn debt_of(&self, bank: &mut Bank, pos: PosRef) -> u64 {
        let m = self.market_state(bank).await;
        let p = self.position(bank, pos).await;
        softliq::engine::health::debt_native(p.debt_shares, m.borrow_index).expect("debt")
    }

    pub async fn new_user(&mut self, bank: &mut Bank, collateral: u64, debt: u64) -> TestUser {
        let keys = [Keypair::new(), Keypair::new(), Keypair::new()];
        self.new_user_with(bank, collateral, debt, keys).await
    }

    /// As [`TestMarket::new_user`], with the user's key and token accounts derived
    /// from `seed` ([`seeded_keypair`]): the same seed gives the same addresses.
    pub async fn new_user_seeded(
        &mut self,
        bank: &mut Bank,
        collateral: u64,
        debt: u64,
        seed: u8,
    ) -> TestUser {
        let kp = |n: u8| seeded_keypair(SEED_DOMAIN_USER, seed, n);
        self.new_user_with(bank, collateral, debt, [kp(0), kp(1), kp(2)])
            .await
    }

    /// A user with keypair `keys[0]`, collateral and debt token accounts at `keys[1]`, `keys[2]`.
    async fn new_user_with(
        &mut self,
        bank: &mut Bank,
        collateral: u64,
        debt: u64,
        keys: [Keypair; 3],
    ) -> TestUser {
        let [kp, c_acc, d_acc] = keys;
        let c = tokens::create_token_account_with(
            bank,
            self.collateral_program,
            &self.collateral_mint,
            &kp.pubkey(),
            &c_acc,
        )
        .await;
        let d = tokens::create_token_account_with(
            bank,
            self.debt_program,
            &self.debt_mint,
            &kp.pubkey(),
            &d_acc,
        )
        .await;
        if collateral > 0 {
            tokens::mint_to(
                bank,
                self.collateral_program,
                &self.collateral_mint,
                &c,
                collateral,
            )
            .await;
        }
        if debt > 0 {
            tokens::mint_to(bank, self.debt_program, &self.debt_mint, &d, debt).await;
        }
        // Fund the user for rent of its LP / stake accounts.
        bank.send(
            &[system_instruction::transfer(
                &bank.payer(),
                &kp.pubkey(),
                1_000_000_000,
            )],
            &[],
        )
        .await
        .expect("fund");
        TestUser {
            kp,
            collateral: c,
            debt: d,
        }
    }

    // ---- admin ----

    pub async fn update_params(
        &mut self,
        bank: &mut Bank,
        params: MarketParams,
        paused: u8,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::UpdateParams {
            admin: self.admin.pubkey(),
            market: self.market,
        };
        let admin = self.admin.insecure_clone();
        self.exec(
            bank,
            ix(a, softliq::instruction::UpdateParams { params, paused }),
            &[&admin],
        )
        .await
    }

    pub async fn set_risk_params(
        &mut self,
        bank: &mut Bank,
        risk: RiskParams,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::SetRiskParams {
            admin: self.admin.pubkey(),
            market: self.market,
        };
        let admin = self.admin.insecure_clone();
        self.exec(
            bank,
            ix(a, softliq::instruction::SetRiskParams { risk }),
            &[&admin],
        )
        .await
    }

    /// `refresh_risk`, signed by the bank's payer (permissionless).
    pub async fn refresh_risk(&mut self, bank: &mut Bank) -> Result<(), TxError> {
        let ix = client::refresh_risk_ix(&self.keys());
        self.exec(bank, ix, &[]).await
    }

    // ---- LP ----

    pub fn lp_account(&self, owner: &Pubkey) -> Pubkey {
        pda(&[LP_SEED, self.market.as_ref(), owner.as_ref()])
    }

    pub async fn lp_deposit(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        amount: u64,
    ) -> Result<(), TxError> {
        let lp = self.lp_account(&user.key());
        let a = softliq::accounts::LpDeposit {
            owner: user.key(),
            market: self.market,
            lp_account: lp,
            owner_debt: user.debt,
            debt_vault: self.debt_vault,
            debt_mint: self.debt_mint,
            debt_token_program: self.debt_program,
            system_program: anchor_lang::system_program::ID,
        };
        if !self.lp_accounts.contains(&lp) {
            self.lp_accounts.push(lp);
        }
        self.exec(
            bank,
            ix(a, softliq::instruction::LpDeposit { amount }),
            &[&user.kp],
        )
        .await
    }

    pub async fn lp_withdraw(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        shares: u64,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::LpWithdraw {
            owner: user.key(),
            market: self.market,
            lp_account: self.lp_account(&user.key()),
            owner_debt: user.debt,
            debt_vault: self.debt_vault,
            debt_mint: self.debt_mint,
            vault_auth: self.vault_auth,
            oracle: self.oracle,
            debt_token_program: self.debt_program,
        };
        // The exit invariant: no LP takes value a certain loss already removed.
        let fair = crate::invariants::fair_exit(bank, self).await;
        let before = tokens::balance(bank, &user.debt).await;
        self.exec(
            bank,
            ix(a, softliq::instruction::LpWithdraw { shares }),
            &[&user.kp],
        )
        .await?;
        let got = tokens::balance(bank, &user.debt).await - before;
        assert!(
            got as u128 <= fair.lp_cap(shares),
            "exit invariant violated: an LP redeemed {shares} shares for {got}, fair {} (certain loss {})",
            fair.lp_cap(shares),
            fair.certain_loss
        );
        Ok(())
    }

    pub async fn lp_shares(&self, bank: &mut Bank, owner: &Pubkey) -> u64 {
        shares_at(bank, &self.lp_account(owner)).await
    }

    // ---- positions ----

    /// The `(index, generation)` the next `open_position` on `slab` will take.
    pub async fn next_position(&self, bank: &mut Bank, slab: &Pubkey) -> PosRef {
        let data = bank.data(slab).await;
        let (h, positions) = entries_of::<Position>(&data).expect("slab");
        let index = if h.free_head != NONE {
            h.free_head
        } else {
            h.next_unused
        };
        let generation = positions
            .get(index as usize)
            .map(|p| p.generation)
            .unwrap_or(0);
        PosRef {
            slab: *slab,
            index,
            generation,
        }
    }

    pub async fn open_position(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        slab: Pubkey,
    ) -> Result<PosRef, TxError> {
        let pos = self.next_position(bank, &slab).await;
        let open = self.open_position_ix(user, slab);
        self.exec(bank, open, &[&user.kp]).await?;
        Ok(pos)
    }

    /// `open_position` on `slab` for `user`.
    pub fn open_position_ix(&self, user: &TestUser, slab: Pubkey) -> Instruction {
        let a = softliq::accounts::OpenPosition {
            owner: user.key(),
            market: self.market,
            slab,
            system_program: anchor_lang::system_program::ID,
        };
        ix(a, softliq::instruction::OpenPosition {})
    }

    /// `deposit_collateral(amount)` into `pos` from `user`'s collateral account.
    pub fn deposit_ix(&self, user: &TestUser, pos: PosRef, amount: u64) -> Instruction {
        let d = softliq::instruction::DepositCollateral {
            index: pos.index,
            generation: pos.generation,
            amount,
        };
        ix(self.deposit_accounts(user, pos), d)
    }

    /// `borrow(amount)` against `pos` into `user`'s debt account.
    pub fn borrow_ix(&self, user: &TestUser, pos: PosRef, amount: u64) -> Instruction {
        let d = softliq::instruction::Borrow {
            index: pos.index,
            generation: pos.generation,
            amount,
        };
        ix(self.borrow_accounts(user, pos), d)
    }

    pub fn deposit_accounts(
        &self,
        user: &TestUser,
        pos: PosRef,
    ) -> softliq::accounts::DepositCollateral {
        softliq::accounts::DepositCollateral {
            owner: user.key(),
            market: self.market,
            slab: pos.slab,
            owner_collateral: user.collateral,
            collateral_vault: self.collateral_vault,
            collateral_mint: self.collateral_mint,
            collateral_token_program: self.collateral_program,
        }
    }

    pub async fn deposit(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        pos: PosRef,
        amount: u64,
    ) -> Result<(), TxError> {
        let deposit = self.deposit_ix(user, pos, amount);
        self.exec(bank, deposit, &[&user.kp]).await
    }

    pub fn withdraw_accounts(
        &self,
        user: &TestUser,
        pos: PosRef,
    ) -> softliq::accounts::WithdrawCollateral {
        softliq::accounts::WithdrawCollateral {
            owner: user.key(),
            market: self.market,
            slab: pos.slab,
            owner_collateral: user.collateral,
            collateral_vault: self.collateral_vault,
            collateral_mint: self.collateral_mint,
            vault_auth: self.vault_auth,
            oracle: self.oracle,
            collateral_token_program: self.collateral_program,
        }
    }

    pub async fn withdraw(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        pos: PosRef,
        amount: u64,
    ) -> Result<(), TxError> {
        let a = self.withdraw_accounts(user, pos);
        let d = softliq::instruction::WithdrawCollateral {
            index: pos.index,
            generation: pos.generation,
            amount,
        };
        self.exec(bank, ix(a, d), &[&user.kp]).await
    }

    pub fn borrow_accounts(&self, user: &TestUser, pos: PosRef) -> softliq::accounts::Borrow {
        softliq::accounts::Borrow {
            owner: user.key(),
            market: self.market,
            slab: pos.slab,
            owner_debt: user.debt,
            debt_vault: self.debt_vault,
            debt_mint: self.debt_mint,
            vault_auth: self.vault_auth,
            oracle: self.oracle,
            debt_token_program: self.debt_program,
        }
    }

    pub async fn borrow(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        pos: PosRef,
        amount: u64,
    ) -> Result<(), TxError> {
        let borrow = self.borrow_ix(user, pos, amount);
        self.exec(bank, borrow, &[&user.kp]).await
    }

    pub async fn repay(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        pos: PosRef,
        max_amount: u64,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::Repay {
            payer: user.key(),
            market: self.market,
            slab: pos.slab,
            payer_debt: user.debt,
            debt_vault: self.debt_vault,
            debt_mint: self.debt_mint,
            debt_token_program: self.debt_program,
        };
        let d = softliq::instruction::Repay {
            index: pos.index,
            generation: pos.generation,
            max_amount,
        };
        self.exec(bank, ix(a, d), &[&user.kp]).await
    }

    pub async fn close(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        pos: PosRef,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::ClosePosition {
            owner: user.key(),
            market: self.market,
            slab: pos.slab,
            owner_collateral: user.collateral,
            collateral_vault: self.collateral_vault,
            collateral_mint: self.collateral_mint,
            vault_auth: self.vault_auth,
            collateral_token_program: self.collateral_program,
        };
        let d = softliq::instruction::ClosePosition {
            index: pos.index,
            generation: pos.generation,
        };
        self.exec(bank, ix(a, d), &[&user.kp]).await
    }

    /// Opens a position, deposits `collateral` and borrows `debt` in one go.
    pub async fn open_levered(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        slab: Pubkey,
        collateral: u64,
        debt: u64,
    ) -> PosRef {
        let pos = self.open_position(bank, user, slab).await.expect("open");
        self.deposit(bank, user, pos, collateral)
            .await
            .expect("deposit");
        if debt > 0 {
            self.borrow(bank, user, pos, debt).await.expect("borrow");
        }
        pos
    }

    // ---- keeper ----

    /// `n` positions of 1 SOL owing 89.90 USDC in `slab`, then the price at
    /// 94: each is below maintenance and a crank of all of them liquidates
    /// every one (the crank-size tests, native and in the VM).
    pub async fn open_crankable(
        &mut self,
        bank: &mut Bank,
        trader: &TestUser,
        slab: Pubkey,
        n: usize,
    ) -> Vec<PosRef> {
        let mut ps = Vec::with_capacity(n);
        for _ in 0..n {
            ps.push(
                self.open_levered(bank, trader, slab, 1_000_000_000, 89_900_000)
                    .await,
            );
        }
        self.set_price(bank, 94.0).await;
        ps
    }

    /// Every address the permissionless instructions name (`softliq::client`).
    pub fn keys(&self) -> MarketKeys {
        MarketKeys {
            market: self.market,
            lot_book: self.lot_book,
            oracle: self.oracle,
            collateral_mint: self.collateral_mint,
            debt_mint: self.debt_mint,
            collateral_vault: self.collateral_vault,
            debt_vault: self.debt_vault,
            insurance_vault: self.insurance_vault,
            vault_auth: self.vault_auth,
            collateral_program: self.collateral_program,
            debt_program: self.debt_program,
        }
    }

    pub fn crank_ix(
        &self,
        keeper: &TestUser,
        slab: Pubkey,
        entries: Vec<softliq::instructions::PositionRef>,
    ) -> Instruction {
        client::crank_ix(&self.keys(), &keeper.key(), &keeper.debt, &slab, entries)
    }

    pub async fn crank(
        &mut self,
        bank: &mut Bank,
        keeper: &TestUser,
        positions: &[PosRef],
    ) -> Result<(), TxError> {
        let slab = positions.first().map(|p| p.slab).unwrap_or(self.slabs[0]);
        let entries = positions
            .iter()
            .map(|p| softliq::instructions::PositionRef {
                index: p.index,
                generation: p.generation,
            })
            .collect();
        let ix = self.crank_ix(keeper, slab, entries);
        self.exec(bank, ix, &[&keeper.kp]).await
    }

    // ---- auction ----

    /// The taker's accounts of a take (`softliq::client::Taker`).
    pub fn taker(&self, taker: &TestUser) -> client::Taker {
        client::Taker {
            taker: taker.key(),
            taker_debt: taker.debt,
            taker_collateral: taker.collateral,
        }
    }

    /// `auction_take`'s accounts (`softliq::client::take_accounts`).
    pub fn take_accounts(
        &self,
        taker: &TestUser,
        slab: Option<Pubkey>,
        owner_collateral: Option<Pubkey>,
    ) -> softliq::accounts::AuctionTake {
        client::take_accounts(&self.keys(), &self.taker(taker), slab, owner_collateral)
    }

    pub async fn take(
        &mut self,
        bank: &mut Bank,
        taker: &TestUser,
        lot: LotRef,
        max_collateral: u64,
        max_price: u64,
    ) -> Result<(), TxError> {
        let l = self.lot(bank, lot).await;
        let slab = (l.flags & LOT_IN_USE != 0).then_some(l.slab);
        let ix = client::take_ix(
            &self.keys(),
            &self.taker(taker),
            lot.index,
            lot.generation,
            max_collateral,
            max_price,
            slab,
            None,
        );
        self.exec(bank, ix, &[&taker.kp]).await
    }

    pub async fn reset(
        &mut self,
        bank: &mut Bank,
        caller: &TestUser,
        lot: LotRef,
    ) -> Result<(), TxError> {
        let ix = client::reset_ix(
            &self.keys(),
            &caller.key(),
            &caller.debt,
            lot.index,
            lot.generation,
        );
        self.exec(bank, ix, &[&caller.kp]).await
    }

    pub async fn redeem(
        &mut self,
        bank: &mut Bank,
        owner: &TestUser,
        lot: LotRef,
        slab: Pubkey,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::AuctionRedeem {
            owner: owner.key(),
            market: self.market,
            lot_book: self.lot_book,
            slab,
            owner_debt: owner.debt,
            debt_vault: self.debt_vault,
            insurance_vault: self.insurance_vault,
            debt_mint: self.debt_mint,
            oracle: self.oracle,
            debt_token_program: self.debt_program,
        };
        let d = softliq::instruction::AuctionRedeem {
            lot_index: lot.index,
            lot_generation: lot.generation,
        };
        self.exec(bank, ix(a, d), &[&owner.kp]).await
    }

    pub async fn settle(
        &mut self,
        bank: &mut Bank,
        caller: &TestUser,
        lot: LotRef,
    ) -> Result<(), TxError> {
        let ix = client::settle_ix(&self.keys(), &caller.key(), lot.index, lot.generation);
        self.exec(bank, ix, &[&caller.kp]).await
    }

    // ---- insurance ----

    pub fn stake_account(&self, owner: &Pubkey) -> Pubkey {
        pda(&[STAKE_SEED, self.market.as_ref(), owner.as_ref()])
    }

    pub async fn insurance_deposit(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        amount: u64,
    ) -> Result<(), TxError> {
        let stake = self.stake_account(&user.key());
        let a = softliq::accounts::InsuranceDeposit {
            owner: user.key(),
            market: self.market,
            stake,
            owner_debt: user.debt,
            insurance_vault: self.insurance_vault,
            debt_mint: self.debt_mint,
            debt_token_program: self.debt_program,
            system_program: anchor_lang::system_program::ID,
        };
        if !self.stake_accounts.contains(&stake) {
            self.stake_accounts.push(stake);
        }
        self.exec(
            bank,
            ix(a, softliq::instruction::InsuranceDeposit { amount }),
            &[&user.kp],
        )
        .await
    }

    pub async fn insurance_request(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
        shares: u64,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::InsuranceRequestWithdraw {
            owner: user.key(),
            market: self.market,
            stake: self.stake_account(&user.key()),
        };
        self.exec(
            bank,
            ix(a, softliq::instruction::InsuranceRequestWithdraw { shares }),
            &[&user.kp],
        )
        .await
    }

    pub async fn insurance_withdraw(
        &mut self,
        bank: &mut Bank,
        user: &TestUser,
    ) -> Result<(), TxError> {
        let a = softliq::accounts::InsuranceWithdraw {
            owner: user.key(),
            market: self.market,
            stake: self.stake_account(&user.key()),
            owner_debt: user.debt,
            insurance_vault: self.insurance_vault,
            debt_mint: self.debt_mint,
            vault_auth: self.vault_auth,
            oracle: self.oracle,
            debt_token_program: self.debt_program,
        };
        // The exit invariant: no staker takes value a certain loss already removed.
        let stake = self.stake_account(&user.key());
        let pending = InsuranceStake::try_deserialize(&mut &bank.data(&stake).await[..])
            .map(|s| s.pending_shares)
            .unwrap_or(0);
        let fair = crate::invariants::fair_exit(bank, self).await;
        let before = tokens::balance(bank, &user.debt).await;
        self.exec(
            bank,
            ix(a, softliq::instruction::InsuranceWithdraw {}),
            &[&user.kp],
        )
        .await?;
        let got = tokens::balance(bank, &user.debt).await - before;
        assert!(
            got as u128 <= fair.stake_cap(pending),
            "exit invariant violated: a staker redeemed {pending} shares for {got}, fair {} (certain loss {})",
            fair.stake_cap(pending),
            fair.certain_loss
        );
        Ok(())
    }
}

/// A softliq instruction from an Anchor accounts struct and instruction data.
/// Where `shares` sits in an `LpAccount` and in an `InsuranceStake`
/// (discriminator, market, owner, shares).
const SHARES_OFFSET: usize = 8 + 32 + 32;

/// Shares held by an LP account or an insurance stake (0 if it does not exist).
pub async fn shares_at(bank: &mut Bank, account: &Pubkey) -> u64 {
    let data = bank.data(account).await;
    data.get(SHARES_OFFSET..SHARES_OFFSET + 8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .unwrap_or(0)
}

pub use softliq::client::ix;

fn rand_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    N.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
}

/// A market from `cfg` with a pool (1,000,000 USDC from an LP), an insurance
/// fund (1,000 USDC), a keeper holding nothing and a trader holding 1,000 SOL.
pub struct Funded {
    pub bank: Bank,
    pub tm: TestMarket,
    pub keeper: TestUser,
    pub trader: TestUser,
}

pub async fn funded(cfg: MarketConfig) -> Funded {
    funded_on(Bank::start().await, cfg).await
}

/// [`funded`] on a given bank (e.g. one running the SBF program).
pub async fn funded_on(mut bank: Bank, cfg: MarketConfig) -> Funded {
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 1_001_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .expect("LP deposit");
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .expect("insurance deposit");
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 1_000_000_000_000, 0).await;
    Funded {
        bank,
        tm,
        keeper,
        trader,
    }
}

/// Bytes of a transaction holding `ix` alone, paid by the bank's payer.
pub fn tx_size(bank: &Bank, ix: &Instruction) -> usize {
    client::tx_size(std::slice::from_ref(ix), &bank.payer())
}
