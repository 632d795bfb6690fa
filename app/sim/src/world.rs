//! One run's world: the real program in an in-process bank with the book's
//! positions opened ([`World::setup`]), the external market, what the run
//! remembers about lots and positions, the oracle as the program reads it,
//! and the prices' move at the start of a slot. The agents (`agents`) and
//! the slot's order (`slot`) build on it.
use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use harness::bank::{code_of, Bank, TxError};
use harness::market::{LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use softliq::engine::health;
use softliq::error::SoftliqError;
use softliq::state::{
    in_use_entries, Lot, Market, MarketParams, Position, RiskParams, MAX_LOT_CAPACITY,
};
use softliq_keeper::ixs::{MarketKeys, Taker};
use softliq_keeper::oracle::Reading;
use softliq_keeper::scan;
use solana_instruction::Instruction;

use crate::book::{Book, BookPosition};
use crate::config::{RunKind, SimConfig, SimError, INSURANCE_SHARE, LP_OVER_DEBT};
use crate::market::{Amm, DEFAULT_FEE_BPS};
use crate::trace::Trace;
use crate::tx;

/// Unexpected transaction errors kept verbatim per run.
const KEPT_ERRORS: usize = 20;

/// What the sim remembers about a lot from its creation.
#[derive(Clone, Copy, Debug)]
pub struct LotTrack {
    pub initial_collateral: u64,
    pub seized_value: u64,
    pub debt_moved: u64,
}

impl LotTrack {
    /// Value at the seizure oracle price of `collateral` of this lot.
    pub fn value_at_seizure(&self, collateral: u64) -> f64 {
        if self.initial_collateral == 0 {
            return 0.0;
        }
        collateral as f64 * self.seized_value as f64 / self.initial_collateral as f64
    }
}

/// The run's running totals.
#[derive(Default)]
pub struct Stats {
    pub liquidated_notional: u128,
    pub max_slot_notional: u128,
    pub proceeds: u128,
    pub sold_value_at_seizure: f64,
    pub loss: f64,
    pub loss_base: f64,
    pub max_impact_bps: f64,
    /// Worst end-of-slot gap between the external market and the same market
    /// without this run's sales ([`World::shadow`]), in bps of the fundamental.
    pub max_sale_impact_bps: f64,
    pub max_open_lots: usize,
}

/// Lot book capacity for a book of `positions`: two lots per position (several
/// lots per position can be open at once under soft liquidation), at least
/// 1,024. Why the figures hardly depend on it: docs/decisions.md, "Position
/// deposit and lot-book back-pressure".
pub fn lot_capacity(positions: u64) -> u32 {
    (positions.saturating_mul(2)).clamp(1_024, MAX_LOT_CAPACITY as u64) as u32
}

/// One run's state.
pub struct World<'a> {
    pub kind: RunKind,
    pub config: &'a SimConfig,
    pub bank: Bank,
    pub tm: TestMarket,
    /// Every address the keepers' and bidders' instructions name
    /// (`softliq_keeper::ixs`).
    pub keys: MarketKeys,
    pub keeper: TestUser,
    pub bidder: TestUser,
    pub params: MarketParams,
    /// The run's dynamic-risk parameters (as the market was created with).
    pub risk: RiskParams,
    pub amm: Amm,
    /// The same external market with arbitrage only, no sales: the
    /// counterfactual the run's own price impact is measured against.
    pub shadow: Amm,
    /// The price last published (for the sample; the keepers read the
    /// oracle account itself).
    pub oracle_price: f64,
    /// This slot's oracle price as the program would accept it
    /// (`softliq_keeper::oracle::read`); None when the program's guards refuse it.
    pub usable_price: Option<u64>,
    pub lots: BTreeMap<(u32, u32), LotTrack>,
    pub liquidated: BTreeSet<(Pubkey, u32, u32)>,
    pub stats: Stats,
    pub errors: Vec<String>,
    pub error_count: u64,
    pub trace: Trace,
    /// The stressed bidders' capital, price memory and draws (`--stress-bidders`).
    pub bidders: crate::agents::bidders::BidderState,
}

/// The three instructions that open a book position: open, deposit, borrow
/// (the harness's builders).
fn open_ixs(tm: &TestMarket, trader: &TestUser, pos: PosRef, p: &BookPosition) -> [Instruction; 3] {
    [
        tm.open_position_ix(trader, pos.slab),
        tm.deposit_ix(trader, pos, p.collateral_native),
        tm.borrow_ix(trader, pos, p.debt_native),
    ]
}

/// Opens every position of the book, each trader's in as few transactions as fit.
async fn open_book(bank: &mut Bank, tm: &mut TestMarket, book: &Book) -> Result<(), String> {
    let trader_collateral = book.trader_collateral();
    let mut traders = Vec::with_capacity(book.traders);
    for c in &trader_collateral {
        traders.push(tm.new_user(bank, *c, 0).await);
    }
    let mut next_index = vec![0u32; book.slabs];
    let payer = bank.payer();
    for (t, trader) in traders.iter().enumerate() {
        let mut batch: Vec<Instruction> = Vec::new();
        for p in book.positions.iter().filter(|p| p.trader == t) {
            let pos = PosRef {
                slab: tm.slabs[p.slab],
                index: next_index[p.slab],
                generation: 0,
            };
            next_index[p.slab] += 1;
            let three = open_ixs(tm, trader, pos, p);
            let mut with = batch.clone();
            with.extend(three.clone());
            if !batch.is_empty() && !tx::fits(&payer, &with) {
                bank.send(&batch, &[&trader.kp])
                    .await
                    .map_err(|e| format!("opening positions: {e:?}"))?;
                batch.clear();
                batch.extend(three);
            } else {
                batch = with;
            }
        }
        if !batch.is_empty() {
            bank.send(&batch, &[&trader.kp])
                .await
                .map_err(|e| format!("opening positions: {e:?}"))?;
        }
    }
    Ok(())
}

impl<'a> World<'a> {
    /// A market with the run's parameters, the LP pool and insurance fund
    /// funded, a keeper and a bidder, and every position of the book open.
    pub async fn setup(
        kind: RunKind,
        config: &'a SimConfig,
        book: &Book,
        params: MarketParams,
    ) -> Result<World<'a>, SimError> {
        let fail = |message: String| SimError::Setup {
            run: kind.name(),
            message,
        };
        let start_price = config.path.start_price();
        let mut bank = Bank::start().await;
        let risk = kind.risk_with(&params, config.market_depth_quote, &config.soft_overrides)?;
        let cfg = MarketConfig {
            params,
            lot_capacity: match config.lot_capacity {
                0 => lot_capacity(config.positions),
                n => n,
            },
            slab_capacities: book.slab_sizes().iter().map(|n| (*n).max(1)).collect(),
            price: start_price,
            risk,
            ..MarketConfig::default()
        };
        let mut tm = TestMarket::create(&mut bank, cfg).await;
        tm.check_invariants = false;

        let debt_native = (book.debt * 1e6) as u64;
        let lp_amount = (book.debt * LP_OVER_DEBT * 1e6) as u64 + 1_000_000;
        let insurance_amount = (book.debt * INSURANCE_SHARE * 1e6) as u64 + 1_000_000;
        let lp = tm.new_user(&mut bank, 0, lp_amount).await;
        tm.lp_deposit(&mut bank, &lp, lp_amount)
            .await
            .map_err(|e| fail(format!("LP deposit: {e:?}")))?;
        let insurer = tm.new_user(&mut bank, 0, insurance_amount).await;
        tm.insurance_deposit(&mut bank, &insurer, insurance_amount)
            .await
            .map_err(|e| fail(format!("insurance deposit: {e:?}")))?;
        let keeper = tm.new_user(&mut bank, 0, 0).await;
        // Bidders' cash: far more than the whole book is worth.
        let bidder_cash = debt_native.saturating_mul(100).max(1_000_000_000_000);
        let bidder = tm.new_user(&mut bank, 0, bidder_cash).await;
        open_book(&mut bank, &mut tm, book).await.map_err(fail)?;

        let market = tm.market_state(&mut bank).await;
        if market.positions_open != book.positions.len() as u64 {
            return Err(fail(format!(
                "{} positions open, {} wanted",
                market.positions_open,
                book.positions.len()
            )));
        }
        let keys = MarketKeys::new(tm.market, &market, tm.collateral_program, tm.debt_program);
        let amm =
            Amm::new(start_price, config.market_depth_quote, DEFAULT_FEE_BPS).map_err(|e| {
                SimError::Market {
                    run: kind.name(),
                    message: e.to_string(),
                }
            })?;
        Ok(World {
            kind,
            config,
            bank,
            tm,
            keys,
            keeper,
            bidder,
            params,
            risk,
            shadow: amm.clone(),
            amm,
            oracle_price: start_price,
            usable_price: None,
            lots: BTreeMap::new(),
            liquidated: BTreeSet::new(),
            stats: Stats::default(),
            errors: Vec::new(),
            error_count: 0,
            trace: Trace::new(config.trace_dir.is_some()),
            bidders: crate::agents::bidders::BidderState::new(config.seed),
        })
    }

    pub fn market_err(&self, e: impl std::fmt::Display) -> SimError {
        SimError::Market {
            run: self.kind.name(),
            message: e.to_string(),
        }
    }

    /// Records a transaction that failed for a reason the agents did not expect.
    pub fn unexpected(&mut self, slot: u64, what: &str, e: &TxError) {
        self.error_count += 1;
        if self.errors.len() < KEPT_ERRORS {
            let detail = match e {
                TxError::Custom(c) => format!("custom error {c} ({})", error_name(*c)),
                TxError::Other(s) => s.clone(),
            };
            self.errors.push(format!(
                "run {} slot {slot}: {what}: {detail}",
                self.kind.name()
            ));
        }
    }

    /// The keeper's signer and the token account its pay goes to.
    pub fn keeper_keys(&self) -> (Pubkey, Pubkey) {
        (self.keeper.key(), self.keeper.debt)
    }

    /// The bidder as `auction_take` names it.
    pub fn taker(&self) -> Taker {
        Taker {
            taker: self.bidder.key(),
            taker_debt: self.bidder.debt,
            taker_collateral: self.bidder.collateral,
        }
    }

    /// The oracle as the program would read it now: the account's bytes
    /// through `softliq_keeper::oracle::read` (the program's adapter, guards
    /// and normalisation) at the bank's slot and time; None when the account
    /// is missing or cannot be read at all.
    pub async fn read_oracle(&mut self) -> Option<Reading> {
        let market = self.tm.market_state(&mut self.bank).await;
        let account = self.bank.account(&self.keys.oracle).await?;
        let clock = self.bank.clock().await;
        softliq_keeper::oracle::read(
            &market,
            &self.keys.oracle,
            &account,
            clock.slot,
            clock.unix_timestamp,
        )
        .ok()
    }

    /// The price a crank would use now; None when a guard refuses it.
    pub async fn read_usable_price(&mut self) -> Option<u64> {
        self.read_oracle().await?.usable()
    }

    /// Arbitrage toward the fundamental path, then the oracle's update (and,
    /// on a dynamic market, the keepers' `refresh_risk`).
    pub async fn move_prices(
        &mut self,
        slot: u64,
        t: u64,
        fundamental: f64,
    ) -> Result<(), SimError> {
        self.amm
            .arbitrage_toward(fundamental, self.config.arb_strength)
            .map_err(|e| self.market_err(e))?;
        self.shadow
            .arbitrage_toward(fundamental, self.config.arb_strength)
            .map_err(|e| self.market_err(e))?;
        if self.config.path.oracle_live(t) {
            self.oracle_price = self.amm.price();
            self.tm.set_price(&mut self.bank, self.oracle_price).await;
            // Keepers feed every slot's price to a dynamic market's volatility
            // estimate and a holding market's fast-fall detector,
            // liquidations or not (`refresh_risk`).
            let wanted = softliq_keeper::scan::wants_price_every_slot(&self.params, &self.risk);
            if self.kind.keepers() && wanted {
                let refresh = softliq_keeper::ixs::refresh_risk_ix(&self.keys);
                if let Err(e) = self.bank.send(&[refresh], &[]).await {
                    self.unexpected(slot, "refresh_risk", &e);
                }
            }
        }
        Ok(())
    }

    /// The lot book's in-use lots (`softliq_keeper::scan::open_lots`).
    pub async fn read_lots(&mut self) -> Vec<(LotRef, Lot)> {
        let data = self.bank.data(&self.tm.lot_book).await;
        scan::open_lots(&data)
            .into_iter()
            .map(|(index, lot)| {
                let r = LotRef {
                    index,
                    generation: lot.generation,
                };
                (r, lot)
            })
            .collect()
    }

    /// Latent bad debt at `price` (open positions and unsold lots, debt
    /// minus collateral value where positive), and how many liquidated
    /// positions have no debt left.
    pub async fn latent_and_closed(&mut self, price: f64, market: &Market) -> (f64, u64) {
        let mut latent = 0.0;
        let mut closed = 0u64;
        for slab in self.tm.slabs.clone() {
            let data = self.bank.data(&slab).await;
            for (i, p) in in_use_entries::<Position>(&data) {
                let debt = health::debt_native(p.debt_shares, market.borrow_index)
                    .unwrap_or(u64::MAX) as f64
                    / 1e6;
                let value = p.collateral_native as f64 / 1e9 * price;
                latent += (debt - value).max(0.0);
                if p.debt_shares == 0 && self.liquidated.contains(&(slab, i, p.generation)) {
                    closed += 1;
                }
            }
        }
        for (_, lot) in self.read_lots().await {
            let value = lot.collateral_native as f64 / 1e9 * price;
            latent += (lot.tab_debt_native as f64 / 1e6 - value).max(0.0);
        }
        (latent, closed)
    }
}

/// The name of a softliq error code, for messages.
pub fn error_name(code: u32) -> String {
    let known = [
        (code_of(SoftliqError::OracleStaleSlots), "OracleStaleSlots"),
        (code_of(SoftliqError::OracleStaleSecs), "OracleStaleSecs"),
        (code_of(SoftliqError::MathOverflow), "MathOverflow"),
        (code_of(SoftliqError::LotNeedsReset), "LotNeedsReset"),
        (code_of(SoftliqError::PriceAboveMax), "PriceAboveMax"),
        (code_of(SoftliqError::TakeLeavesDust), "TakeLeavesDust"),
        (code_of(SoftliqError::NothingToTake), "NothingToTake"),
        (code_of(SoftliqError::ResetTooEarly), "ResetTooEarly"),
        (code_of(SoftliqError::LotNotSettleable), "LotNotSettleable"),
    ];
    match known.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => name.to_string(),
        None => format!(
            "SoftliqError #{}",
            code.wrapping_sub(anchor_lang::error::ERROR_CODE_OFFSET)
        ),
    }
}
