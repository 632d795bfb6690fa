//! One iteration of the crank loop and of the bid loop, over any [`Backend`].
//! The CLI repeats them with backoff; the simulator calls them once per slot.
use std::collections::hash_map::{Entry, HashMap};

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use indicatif::ProgressBar;
use softliq::engine::auction;
use softliq::state::{
    BookEntry, Lot, Market, Position, LOT_SIZE, POSITION_SIZE, SLAB_POSITIONS_OFFSET,
};
use solana_instruction::Instruction;

use crate::backend::{
    read_book, send_with_retry, AccountBytes, Backend, BackendError, ChainClock, SendError,
};
use crate::bid::{decide_with_budget, Valuation};
use crate::cu;
use crate::ixs::{self, MarketKeys, Taker};
use crate::oracle::{self, Reading};
use crate::pack::{crank_tx_size_with, pack_batches};
use crate::scan::{self, Candidate, LotStatus, Ranked};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeeperError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("market {0}: {1}")]
    Market(Pubkey, String),
}

/// How the keeper runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeeperConfig {
    /// Receives the keeper's pay and reset tips; pays for takes (debt token).
    pub keeper_debt: Pubkey,
    /// Receives collateral bought at auction.
    pub keeper_collateral: Pubkey,
    /// Entries per crank (never more than the market's `max_positions_per_crank`).
    pub max_per_crank: Option<usize>,
    /// Compute-unit limit put before each crank (None: the measured use for
    /// its entry count plus a margin, `cu::crank_cu_limit`) and price
    /// (micro-lamports).
    pub cu_limit: Option<u32>,
    pub cu_price: Option<u64>,
    /// Resends after a blockhash expiry.
    pub send_retries: u32,
    /// Price account to pass instead of the market's own.
    pub oracle: Option<Pubkey>,
    /// Slabs to scan instead of discovering the market's.
    pub slabs: Option<Vec<Pubkey>>,
    /// Crank transactions per iteration at most (None: every batch).
    pub max_txs: Option<usize>,
    /// Quote spent per take at most (None: the whole lot).
    pub max_quote_per_take: Option<u64>,
    /// The bid loop also resets stale lots and settles sold-out ones.
    pub housekeeping: bool,
}

impl KeeperConfig {
    pub fn new(keeper_debt: Pubkey, keeper_collateral: Pubkey) -> Self {
        Self {
            keeper_debt,
            keeper_collateral,
            max_per_crank: None,
            cu_limit: None,
            cu_price: None,
            send_retries: 3,
            oracle: None,
            slabs: None,
            max_txs: None,
            max_quote_per_take: None,
            housekeeping: true,
        }
    }

    /// Defaults for a keeper key on a cluster: its associated token accounts.
    pub fn for_owner(owner: &Pubkey, keys: &MarketKeys) -> Self {
        Self::new(
            ixs::ata(owner, &keys.debt_mint, &keys.debt_program),
            ixs::ata(owner, &keys.collateral_mint, &keys.collateral_program),
        )
    }

    /// Compute-budget instructions for a transaction measured at `units`.
    fn prefix(&self, units: u32, loaded_accounts_bytes: Option<u32>) -> Vec<Instruction> {
        cu::budget_ixs(cu::with_margin(units), loaded_accounts_bytes, self.cu_price)
    }

    /// The compute-budget instructions of a crank naming `entries` positions.
    fn crank_prefix(&self, entries: usize, loaded_accounts_bytes: Option<u32>) -> Vec<Instruction> {
        let units = self.cu_limit.unwrap_or_else(|| cu::crank_cu_limit(entries));
        cu::budget_ixs(units, loaded_accounts_bytes, self.cu_price)
    }
}

/// Decodes a market account (owner and discriminator checked by the caller's key).
pub fn decode_market(key: &Pubkey, owner: &Pubkey, data: &[u8]) -> Result<Market, KeeperError> {
    if *owner != softliq::ID {
        return Err(KeeperError::Market(
            *key,
            format!("owned by {owner}, not the program"),
        ));
    }
    if data.get(..8) != Some(Market::DISCRIMINATOR) {
        return Err(KeeperError::Market(*key, "not a market account".into()));
    }
    let body = data
        .get(8..8 + core::mem::size_of::<Market>())
        .ok_or_else(|| KeeperError::Market(*key, "short market account".into()))?;
    Ok(bytemuck::pod_read_unaligned(body))
}

/// Reads and decodes the market at `key`.
pub async fn load_market<B: Backend + ?Sized>(
    b: &mut B,
    key: &Pubkey,
) -> Result<Market, KeeperError> {
    let a = b.account(key).await?.ok_or(BackendError::NotFound(*key))?;
    decode_market(key, &a.owner, &a.data)
}

/// The market's keys; the token programs are the mints' owners.
pub async fn load_keys<B: Backend + ?Sized>(
    b: &mut B,
    key: &Pubkey,
    m: &Market,
    oracle: Option<Pubkey>,
) -> Result<MarketKeys, KeeperError> {
    let cm = b
        .account(&m.collateral_mint)
        .await?
        .ok_or(BackendError::NotFound(m.collateral_mint))?;
    let dm = b
        .account(&m.debt_mint)
        .await?
        .ok_or(BackendError::NotFound(m.debt_mint))?;
    let mut keys = MarketKeys::new(*key, m, cm.owner, dm.owner);
    if let Some(o) = oracle {
        keys.oracle = o;
    }
    Ok(keys)
}

/// The oracle as the program reads it now.
pub async fn read_oracle<B: Backend + ?Sized>(
    b: &mut B,
    m: &Market,
    oracle: &Pubkey,
    clock: &ChainClock,
) -> Result<Reading, String> {
    let a = b
        .account(oracle)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("oracle {oracle} not found"))?;
    oracle::read(m, oracle, &a, clock.slot, clock.unix_timestamp)
}

/// Reads a slab and checks it belongs to `market`.
async fn read_slab<B: Backend + ?Sized>(
    b: &mut B,
    market: &Pubkey,
    slab: &Pubkey,
    progress: Option<&ProgressBar>,
) -> Result<Option<AccountBytes>, KeeperError> {
    let Some(data) = read_book(b, slab, POSITION_SIZE, progress).await? else {
        return Ok(None);
    };
    match softliq::state::entries_of::<Position>(&data) {
        Some((h, _)) if h.market == *market => Ok(Some(data)),
        _ => Err(KeeperError::Market(
            *market,
            format!("slab {slab} is not one of its slabs"),
        )),
    }
}

/// What one crank iteration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrankReport {
    pub slot: u64,
    /// The oracle price used (None when unusable).
    pub price: Option<u64>,
    /// Why nothing was attempted (oracle unreadable or guarded).
    pub skipped: Option<String>,
    pub slabs: usize,
    pub candidates: usize,
    pub batches: usize,
    /// Transactions that landed / failed.
    pub sent: usize,
    pub failed: usize,
    /// Entries named in landed transactions.
    pub entries: usize,
    /// Resends after blockhash expiry.
    pub retries: u32,
    /// Increase of the market's `liquidations` counter over the iteration.
    pub liquidations: u64,
    /// A `refresh_risk` landed (`scan::wants_price_every_slot`, when no crank fed
    /// this slot's price).
    pub risk_refreshed: bool,
    /// Batches not sent because the market's per-slot budget was spent
    /// (`scan::budget_spent`).
    pub budget_skipped: usize,
    pub errors: Vec<SendError>,
}

/// What one bid iteration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BidReport {
    pub slot: u64,
    pub lots_open: usize,
    pub takes: usize,
    pub take_failures: usize,
    pub resets: usize,
    pub settles: usize,
    /// Collateral asked for in landed takes.
    pub collateral_requested: u64,
    pub errors: Vec<SendError>,
}

/// The market as scanned by the `scan` command.
#[derive(Clone, Debug)]
pub struct ScanResult {
    pub clock: ChainClock,
    /// The market with interest accrued to now.
    pub market: Market,
    pub oracle: Result<Reading, String>,
    pub slabs: Vec<Pubkey>,
    pub positions: Vec<Ranked>,
    pub lots: Vec<LotStatus>,
}

/// What the bid loop does with a lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LotAction {
    Take(u64),
    Reset,
    Settle,
}

/// A keeper for one market.
pub struct Keeper {
    pub market: Pubkey,
    pub cfg: KeeperConfig,
    keys: Option<MarketKeys>,
    slabs: Option<Vec<Pubkey>>,
    /// Loaded-accounts bytes of a crank, per slab (`crank_loaded_bytes`).
    loaded_bytes: HashMap<Pubkey, u32>,
}

impl Keeper {
    pub fn new(market: Pubkey, cfg: KeeperConfig) -> Self {
        Self {
            market,
            cfg,
            keys: None,
            slabs: None,
            loaded_bytes: HashMap::new(),
        }
    }

    /// The loaded-accounts data size limit of a crank on `slab`: every
    /// account the transaction loads (programs and their program data
    /// included) at its length now, with the margin (`cu::loaded_accounts_limit`).
    async fn crank_loaded_bytes<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
        keys: &MarketKeys,
        slab: &Pubkey,
    ) -> Result<u32, KeeperError> {
        if let Some(v) = self.loaded_bytes.get(slab) {
            return Ok(*v);
        }
        let ix = ixs::crank_ix(keys, &b.keeper(), &self.cfg.keeper_debt, slab, vec![]);
        let compute_budget: Pubkey = solana_compute_budget_interface::ID;
        let mut lens = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut queue: Vec<Pubkey> = ix.accounts.iter().map(|a| a.pubkey).collect();
        queue.push(ix.program_id);
        queue.push(compute_budget);
        while let Some(k) = queue.pop() {
            if !seen.insert(k) {
                continue;
            }
            if let Some(a) = b.account(&k).await? {
                if let Some(pd) = cu::programdata_of(&a.owner, &a.data) {
                    queue.push(pd);
                }
                lens.push(a.data.len());
            }
        }
        let v = cu::loaded_accounts_limit(&lens);
        self.loaded_bytes.insert(*slab, v);
        Ok(v)
    }

    /// Forgets the discovered slab list (new slabs are found on the next iteration).
    pub fn refresh_slabs(&mut self) {
        self.slabs = None;
    }

    async fn keys<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
        m: &Market,
    ) -> Result<MarketKeys, KeeperError> {
        if let Some(k) = self.keys {
            return Ok(k);
        }
        let k = load_keys(b, &self.market, m, self.cfg.oracle).await?;
        self.keys = Some(k);
        Ok(k)
    }

    async fn slab_list<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
    ) -> Result<Vec<Pubkey>, KeeperError> {
        if let Some(s) = self.cfg.slabs.clone().or_else(|| self.slabs.clone()) {
            return Ok(s);
        }
        let s = b.slabs_of(&self.market).await?;
        self.slabs = Some(s.clone());
        Ok(s)
    }

    /// Liquidatable positions of every slab now, most unhealthy first, with
    /// the clock, the accrued market and the oracle price used.
    pub async fn find_candidates<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
    ) -> Result<(CrankReport, Market, Vec<Candidate>), KeeperError> {
        let market = load_market(b, &self.market).await?;
        let keys = self.keys(b, &market).await?;
        let clock = b.clock().await?;
        let mut report = CrankReport {
            slot: clock.slot,
            ..Default::default()
        };
        let price = match read_oracle(b, &market, &keys.oracle, &clock).await {
            Ok(r) => match r.guard {
                Ok(()) => r.price.price,
                Err(e) => {
                    report.skipped = Some(format!("oracle guarded: {e}"));
                    return Ok((report, market, vec![]));
                }
            },
            Err(e) => {
                report.skipped = Some(e);
                return Ok((report, market, vec![]));
            }
        };
        report.price = Some(price);
        let m = scan::as_crank_sees(&market, clock.slot, Some(price));
        let slabs = self.slab_list(b).await?;
        report.slabs = slabs.len();
        let mut cands = Vec::new();
        for slab in &slabs {
            if let Some(data) = read_slab(b, &self.market, slab, None).await? {
                cands.extend(scan::liquidatable(&m, slab, &data, price, clock.slot));
            }
        }
        scan::rank_for_crank(&mut cands, &m.params, price);
        report.candidates = cands.len();
        Ok((report, market, cands))
    }

    /// One crank iteration: find liquidatable positions, pack them, send
    /// each transaction (resending on blockhash expiry).
    pub async fn crank_once<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
    ) -> Result<CrankReport, KeeperError> {
        let (mut report, market, cands) = self.find_candidates(b).await?;
        if cands.is_empty() {
            // A dynamic market's margins and a holding market's fast-fall
            // detector follow prices only as they reach the market: feed
            // this slot's price when no crank will.
            let stale = market.risk_state.last_slot < report.slot;
            let wanted = scan::wants_price_every_slot(&market.params, &market.risk);
            if wanted && stale && report.skipped.is_none() {
                let keys = self.keys(b, &market).await?;
                let mut tx = self.cfg.prefix(cu::REFRESH_RISK_CU, None);
                tx.push(ixs::refresh_risk_ix(&keys));
                match send_with_retry(b, &tx, self.cfg.send_retries).await {
                    Ok(_) => report.risk_refreshed = true,
                    Err(e) => report.errors.push(e),
                }
            }
            return Ok(report);
        }
        let keys = self.keys(b, &market).await?;
        // Packed by bytes (the real transaction with its compute-budget
        // instructions) and by compute units.
        let max = (market.params.max_positions_per_crank as usize)
            .min(self.cfg.max_per_crank.unwrap_or(usize::MAX))
            .min(cu::max_entries_by_cu());
        let mut batches = pack_batches(&cands, max, |n| {
            crank_tx_size_with(n, &self.cfg.crank_prefix(n, Some(u32::MAX)))
        });
        report.batches = batches.len();
        if let Some(t) = self.cfg.max_txs {
            batches.truncate(t);
        }
        let keeper = b.keeper();
        let in_force = scan::as_crank_sees(&market, report.slot, report.price).params;
        let total = batches.len();
        for (i, batch) in batches.into_iter().enumerate() {
            if in_force.max_liq_notional_per_slot != 0 {
                let now = load_market(b, &self.market).await?;
                if scan::budget_spent(&in_force, &now, report.slot) {
                    report.budget_skipped = total - i;
                    break;
                }
            }
            let n = batch.entries.len();
            let loaded = self.crank_loaded_bytes(b, &keys, &batch.slab).await?;
            let mut tx = self.cfg.crank_prefix(n, Some(loaded));
            tx.push(ixs::crank_ix(
                &keys,
                &keeper,
                &self.cfg.keeper_debt,
                &batch.slab,
                batch.entries,
            ));
            match send_with_retry(b, &tx, self.cfg.send_retries).await {
                Ok(attempts) => {
                    report.sent += 1;
                    report.entries += n;
                    report.retries += attempts - 1;
                }
                Err(e) => {
                    report.failed += 1;
                    report.errors.push(e);
                }
            }
        }
        let after = load_market(b, &self.market).await?;
        report.liquidations = after.liquidations.saturating_sub(market.liquidations);
        Ok(report)
    }

    /// Whether the position a lot came from still exists (its surplus then
    /// returns into it; otherwise the owner's token account must be passed).
    /// Backends with ranged reads fetch just the entry; others read each slab
    /// once per iteration into `cache`.
    async fn position_alive<B: Backend + ?Sized>(
        b: &mut B,
        lot: &Lot,
        cache: &mut HashMap<Pubkey, Option<AccountBytes>>,
    ) -> Result<bool, KeeperError> {
        let off = SLAB_POSITIONS_OFFSET + lot.position_index as usize * POSITION_SIZE;
        let p: Position = if b.ranged_reads() {
            match b.account_range(&lot.slab, off, POSITION_SIZE).await? {
                Some(bytes) if bytes.len() == POSITION_SIZE => bytemuck::pod_read_unaligned(&bytes),
                _ => return Ok(false),
            }
        } else {
            let data = match cache.entry(lot.slab) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let data = b.account(&lot.slab).await?;
                    e.insert(data.map(|a| AccountBytes::from_slice(&a.data)))
                }
            };
            match data.as_ref().and_then(|d| d.get(off..off + POSITION_SIZE)) {
                Some(bytes) => bytemuck::pod_read_unaligned(bytes),
                None => return Ok(false),
            }
        };
        Ok(p.in_use() && p.generation == lot.position_generation && p.owner == lot.owner)
    }

    /// One bid iteration: value every open lot at `external_price` (the
    /// oracle's price when None) less `margin_bps`, take those whose auction
    /// price is at or below it; with housekeeping, also reset stale lots and
    /// settle sold-out ones.
    pub async fn bid_once<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
        external_price: Option<u64>,
        margin_bps: u64,
    ) -> Result<BidReport, KeeperError> {
        let market = load_market(b, &self.market).await?;
        let keys = self.keys(b, &market).await?;
        let clock = b.clock().await?;
        let mut report = BidReport {
            slot: clock.slot,
            ..Default::default()
        };
        let reading = read_oracle(b, &market, &keys.oracle, &clock).await;
        let oracle_ok = matches!(&reading, Ok(r) if r.guard.is_ok());
        let external = external_price.or_else(|| reading.as_ref().ok().and_then(Reading::usable));
        let book = read_book(b, &keys.lot_book, LOT_SIZE, None)
            .await?
            .ok_or(BackendError::NotFound(keys.lot_book))?;
        let lots = scan::open_lots(&book);
        drop(book);
        report.lots_open = lots.len();
        // An anchored auction prices a take from the oracle price the market
        // saw in this slot (`engine::auction::quote_at`). When it has seen
        // none, each take goes with a `refresh_risk` in front of it, and the
        // decision uses the price that refresh will record.
        let anchored = market.params.auction_curve == auction::CURVE_ANCHORED;
        let take_cu = if anchored {
            cu::TAKE_ANCHORED_CU
        } else {
            cu::TAKE_CU
        };
        let refresh_first = anchored
            && oracle_ok
            && auction::reference_price(&market.risk_state, clock.slot).is_none();
        let reference = if refresh_first {
            reading.as_ref().ok().and_then(Reading::usable)
        } else {
            auction::reference_price(&market.risk_state, clock.slot)
        };
        let keeper = b.keeper();
        let taker = Taker {
            taker: keeper,
            taker_debt: self.cfg.keeper_debt,
            taker_collateral: self.cfg.keeper_collateral,
        };
        let mut slab_cache = HashMap::new();
        for (index, lot) in lots {
            let status = scan::lot_status(&market.params, index, &lot, clock.slot);
            let (action, ix) = if lot.collateral_native == 0 {
                if !self.cfg.housekeeping {
                    continue;
                }
                (
                    LotAction::Settle,
                    ixs::settle_ix(&keys, &keeper, index, lot.generation),
                )
            } else if status.needs_reset {
                // A reset restarts at the oracle price, so it needs a usable one.
                if !self.cfg.housekeeping || !oracle_ok {
                    continue;
                }
                (
                    LotAction::Reset,
                    ixs::reset_ix(&keys, &keeper, &self.cfg.keeper_debt, index, lot.generation),
                )
            } else {
                let Some(ext) = external else { continue };
                let v = Valuation {
                    external_price: ext,
                    margin_bps,
                };
                let Some(d) = decide_with_budget(
                    &market.params,
                    &lot,
                    clock.slot,
                    reference,
                    &v,
                    self.cfg.max_quote_per_take,
                ) else {
                    continue;
                };
                let owner_collateral = if Self::position_alive(b, &lot, &mut slab_cache).await? {
                    None
                } else {
                    Some(ixs::ata(
                        &lot.owner,
                        &keys.collateral_mint,
                        &keys.collateral_program,
                    ))
                };
                let ix = ixs::take_ix(
                    &keys,
                    &taker,
                    index,
                    lot.generation,
                    d.max_collateral,
                    d.max_price,
                    Some(lot.slab),
                    owner_collateral,
                );
                (LotAction::Take(d.max_collateral), ix)
            };
            let with_refresh = refresh_first && matches!(action, LotAction::Take(_));
            let units = match action {
                LotAction::Take(_) if with_refresh => take_cu + cu::REFRESH_RISK_CU,
                LotAction::Take(_) => take_cu,
                LotAction::Reset => cu::RESET_CU,
                LotAction::Settle => cu::SETTLE_CU,
            };
            let mut tx = self.cfg.prefix(units, None);
            if with_refresh {
                tx.push(ixs::refresh_risk_ix(&keys));
            }
            tx.push(ix);
            match (send_with_retry(b, &tx, self.cfg.send_retries).await, action) {
                (Ok(_), LotAction::Settle) => report.settles += 1,
                (Ok(_), LotAction::Reset) => report.resets += 1,
                (Ok(_), LotAction::Take(c)) => {
                    report.takes += 1;
                    report.collateral_requested += c;
                }
                (Err(e), a) => {
                    if matches!(a, LotAction::Take(_)) {
                        report.take_failures += 1;
                    }
                    report.errors.push(e);
                }
            }
        }
        Ok(report)
    }

    /// Everything the `scan` command shows: positions ranked by health at the
    /// oracle price (or `price` if given), and the open lots' auction state.
    pub async fn scan<B: Backend + ?Sized>(
        &mut self,
        b: &mut B,
        price: Option<u64>,
        progress: Option<&ProgressBar>,
    ) -> Result<ScanResult, KeeperError> {
        let market = load_market(b, &self.market).await?;
        let keys = self.keys(b, &market).await?;
        let clock = b.clock().await?;
        let oracle = read_oracle(b, &market, &keys.oracle, &clock).await;
        let px = price.or_else(|| oracle.as_ref().ok().map(|r| r.price.price));
        // Margins and budget in force (volatility add-ons, depth budget).
        let m = scan::as_crank_sees(&market, clock.slot, px);
        let slabs = self.slab_list(b).await?;
        let mut datas = Vec::with_capacity(slabs.len());
        for s in &slabs {
            if let Some(d) = read_slab(b, &self.market, s, progress).await? {
                datas.push((*s, d));
            }
        }
        let book = read_book(b, &keys.lot_book, LOT_SIZE, progress)
            .await?
            .ok_or(BackendError::NotFound(keys.lot_book))?;
        let positions = match px {
            Some(px) => {
                let views: Vec<(Pubkey, &[u8])> = datas.iter().map(|(k, d)| (*k, &d[..])).collect();
                scan::rank_all(&m, &views, px, clock.slot)
            }
            None => Vec::new(),
        };
        let lots = scan::open_lots(&book)
            .iter()
            .map(|(i, l)| scan::lot_status(&m.params, *i, l, clock.slot))
            .collect();
        Ok(ScanResult {
            clock,
            market: m,
            oracle,
            slabs,
            positions,
            lots,
        })
    }
}
