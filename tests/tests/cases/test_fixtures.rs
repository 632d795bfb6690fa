//! Fixtures for the TypeScript client: account bytes and instruction data written by
//! the program, with the values the client must decode from them (format:
//! app/client/test/fixtures/README.md; checker: app/client/test/fixtures.test.ts).
//!
//! One deterministic scenario (seeded keys, fixed slots) leaves a slab with positions
//! in every state (no debt, healthy with debt, liquidatable, inside a liquidation
//! episode, a reused entry, a freed entry on the free list) and a lot book with an
//! untouched lot, a partially taken lot and a freed one. The test then builds
//! `market.json`, `slab.json`, `lot_book.json` and `instructions.json` (expected
//! values from the program's own structs and `engine::health`) and
//! - with `SOFTLIQ_WRITE_FIXTURES=1`, writes them;
//! - otherwise compares them (as parsed JSON) with the committed files and fails if
//!   they differ or are missing: a layout change must regenerate the fixtures, which
//!   then fail the TS decoders until `layout.ts` follows.
use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, InstructionData, ToAccountMetas};
use base64::Engine as _;
use harness::bank::Bank;
use harness::market::{LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use serde_json::{json, Map, Value};
use softliq::engine::auction::price_at;
use softliq::engine::health::{debt_native, health, is_liquidatable};
use softliq::instructions::{InitializeMarketArgs, PositionRef};
use softliq::oracle::{normalize, RawPrice};
use softliq::state::*;
use solana_signer::Signer;

const WRITE_ENV: &str = "SOFTLIQ_WRITE_FIXTURES";
const FILES: [&str; 7] = [
    "market.json",
    "slab.json",
    "lot_book.json",
    "instructions.json",
    "risk.json",
    "liquidation.json",
    "auction.json",
];

// Slots of the scenario (absolute, so the bytes do not depend on the bank's start).
const SLOT_CREATE: u64 = 1_000;
const SLOT_REUSE: u64 = 1_050;
const SLOT_DROP: u64 = 2_000;
const SLOT_TAKE_ALL: u64 = 2_010;
const SLOT_TAKE_PART: u64 = 2_014;
const SLOT_END: u64 = 2_020;
const SOL: u64 = 1_000_000_000;
const USDC: u64 = 1_000_000;

// ---- value encoding (README: "Value encoding") ----

/// A value in the fixture encoding.
trait Fx {
    fn fx(&self) -> Value;
}

impl Fx for u64 {
    fn fx(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl Fx for i64 {
    fn fx(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl Fx for i128 {
    fn fx(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl Fx for u32 {
    fn fx(&self) -> Value {
        json!(self)
    }
}
impl Fx for u8 {
    fn fx(&self) -> Value {
        json!(self)
    }
}
impl Fx for bool {
    fn fx(&self) -> Value {
        json!(self)
    }
}
impl Fx for Pubkey {
    fn fx(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl<const N: usize> Fx for [u8; N] {
    fn fx(&self) -> Value {
        Value::String(hex(self))
    }
}
impl<const N: usize> Fx for [Band; N] {
    fn fx(&self) -> Value {
        Value::Array(self.iter().map(Fx::fx).collect())
    }
}
impl<const N: usize> Fx for [u64; N] {
    fn fx(&self) -> Value {
        Value::Array(self.iter().map(Fx::fx).collect())
    }
}

/// An object of every field of a struct, keyed by the Rust field name. The pattern is
/// exhaustive: a field added to the struct and not here does not compile.
macro_rules! fx_struct {
    ($ty:ident, $value:expr; $($field:ident),* $(,)?) => {{
        let $ty { $($field),* } = $value;
        let mut m = Map::new();
        $( m.insert(stringify!($field).to_owned(), Fx::fx(&$field)); )*
        m
    }};
}

impl Fx for MarketParams {
    fn fx(&self) -> Value {
        Value::Object(fx_struct!(MarketParams, *self;
            init_margin_bps, target_margin_bps, maint_margin_bps, liquidation_penalty_bps,
            lot_buffer_bps, close_factor_bps, keeper_tip_native, keeper_chip_bps,
            keeper_pay_cap_native, max_positions_per_crank, liq_ramp_slots,
            max_liq_notional_per_slot, max_lot_collateral_native, auction_start_buffer_bps,
            auction_curve, auction_tau_slots, auction_step_slots, auction_cut_bps,
            auction_tail_slots, auction_cusp_bps, auction_max_resets, auction_reset_tip_native,
            dust_native, max_oracle_age_slots, max_oracle_age_secs, max_conf_bps,
            max_deviation_bps, borrow_rate_base_bps, borrow_rate_slope1_bps,
            borrow_rate_slope2_bps, borrow_rate_kink_bps, insurance_withdraw_cooldown_slots,
            auction_hold_slots,
        ))
    }
}

impl Fx for RiskParams {
    fn fx(&self) -> Value {
        Value::Object(fx_struct!(RiskParams, *self;
            vol_enabled, vol_half_life_slots, vol_max_move_bps, vol_horizon_slots, vol_k_bps,
            margin_addon_cap_bps, margin_step_bps, depth_native, budget_depth_bps,
            budget_floor_bps, max_price_move_bps, max_crank_gap_slots, budget_growth_bps,
            budget_cap_bps, urgent_gap_bps, urgent_budget_bps,
        ))
    }
}

impl Fx for RiskState {
    fn fx(&self) -> Value {
        Value::Object(fx_struct!(RiskState, *self;
            last_price, last_slot, variance_ppb2, sigma_horizon_bps, addon_bps,
            maint_addon_bps, updates, reserved,
        ))
    }
}

impl Fx for BookHeader {
    fn fx(&self) -> Value {
        Value::Object(fx_struct!(BookHeader, *self;
            market, capacity, used, free_head, next_unused, reserved,
        ))
    }
}

impl Fx for Band {
    fn fx(&self) -> Value {
        Value::Object(fx_struct!(Band, *self; debt_shares, collateral_native))
    }
}

fn market_fields(m: &Market) -> Value {
    Value::Object(fx_struct!(Market, *m;
        admin, collateral_mint, debt_mint, collateral_vault, debt_vault, insurance_vault,
        lot_book, oracle, oracle_feed_id, params,
        pool_cash_native, total_debt_shares, borrow_index, last_accrual_slot, lp_shares_total,
        lot_debt_outstanding_native, total_position_collateral_native,
        total_lot_collateral_native, insurance_balance_native, insurance_shares_total,
        budget_slot, budget_used_notional_native, positions_open, liquidations,
        seized_collateral_native, keeper_paid_native, auction_proceeds_native,
        penalties_collected_native, bad_debt_insurance_native, bad_debt_socialized_native,
        lots_settled, interest_accrued_native,
        vault_auth_bump, oracle_kind, inverted, collateral_decimals, debt_decimals, paused,
        _padding, risk, risk_state, last_oracle_publish_time, pending_params_slot,
        band_octave_min, budget_level_native, budget_bound_slot, urgent_used_notional_native,
        last_take_slot, fast_fall_until_slot, quiet_variance_ppb2, quiet_weight_ppb,
        reserved, pending_params, bands,
    ))
}

fn position_fields(p: &Position) -> Map<String, Value> {
    fx_struct!(Position, *p;
        owner, collateral_native, debt_shares, liq_start_slot, last_liq_slot,
        episode_start_collateral_native, episode_seized_collateral_native,
        episode_seized_notional_native, generation, flags, next_free, _padding,
    )
}

fn lot_fields(l: &Lot) -> Map<String, Value> {
    fx_struct!(Lot, *l;
        slab, owner, collateral_native, tab_debt_native, tab_penalty_native, start_price,
        start_slot, seized_value_native, proceeds_native, position_index,
        position_generation, resets, flags, generation, next_free,
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An object with `index` first, then `fields`.
fn indexed(index: u32, fields: Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("index".to_owned(), json!(index));
    m.extend(fields);
    m
}

// ---- the scenario ----

struct Scenario {
    bank: Bank,
    tm: TestMarket,
    lp: TestUser,
    keeper: TestUser,
    taker: TestUser,
    /// Owner and position of each state, by name.
    owners: Vec<(&'static str, TestUser, PosRef)>,
    lots: Vec<LotRef>,
    cfg: MarketConfig,
}

impl Scenario {
    fn pos(&self, name: &str) -> (&TestUser, PosRef) {
        let (_, u, p) = self
            .owners
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("no position {name}"));
        (u, *p)
    }
}

async fn at_slot(bank: &mut Bank, tm: &TestMarket, slot: u64, price: f64) {
    bank.warp_to(slot).await;
    assert_eq!(bank.slot().await, slot, "warp to {slot}");
    tm.set_price(bank, price).await;
}

async fn scenario() -> Scenario {
    let mut bank = Bank::start().await;
    bank.warp_to(SLOT_CREATE).await;
    assert_eq!(bank.slot().await, SLOT_CREATE);
    // The market records oracle publish times: pin the clock's time too.
    bank.set_unix_timestamp(1_750_000_000).await;
    let cfg = MarketConfig {
        params: MarketParams {
            // A short ramp: one crank seizes at most a quarter of the position, so an
            // episode spans several slots.
            liq_ramp_slots: 4,
            ..MarketParams::default_soft()
        },
        // Static margins (the estimate still runs, so its state is not all zero),
        // with an add-on cap for the decoders to read.
        risk: RiskParams {
            margin_addon_cap_bps: 200,
            ..RiskParams::static_default()
        },
        lot_capacity: 8,
        slab_capacities: vec![16],
        price: 100.0,
        ..Default::default()
    };
    let mut tm = TestMarket::create_seeded(&mut bank, cfg.clone(), 7).await;
    let slab = tm.slabs[0];
    let b = &mut bank;

    let lp = tm.new_user_seeded(b, 0, 2_000_000 * USDC, 1).await;
    tm.lp_deposit(b, &lp, 1_000_000 * USDC).await.unwrap();
    tm.insurance_deposit(b, &lp, 1_000 * USDC).await.unwrap();
    let keeper = tm.new_user_seeded(b, 0, 0, 2).await;
    let taker = tm.new_user_seeded(b, 0, 1_000_000 * USDC, 3).await;

    let mut owners = vec![];
    // 0: collateral, no debt.
    let u = tm.new_user_seeded(b, 5 * SOL, 0, 10).await;
    let p = tm.open_levered(b, &u, slab, 5 * SOL, 0).await;
    owners.push(("no_debt", u, p));
    // 1: healthy with debt (50% LTV).
    let u = tm.new_user_seeded(b, 10 * SOL, 0, 11).await;
    let p = tm.open_levered(b, &u, slab, 10 * SOL, 500 * USDC).await;
    owners.push(("healthy", u, p));
    // 2: at the initial margin; below maintenance once the price falls to 94, never cranked.
    let u = tm.new_user_seeded(b, 10 * SOL, 0, 12).await;
    let p = tm.open_levered(b, &u, slab, 10 * SOL, 899 * USDC).await;
    owners.push(("liquidatable", u, p));
    // 3, 4: opened and closed (4 is reused below, 3 stays on the free list).
    let d = tm.new_user_seeded(b, SOL, 0, 13).await;
    let p3 = tm.open_levered(b, &d, slab, SOL, 0).await;
    let p4 = tm.open_position(b, &d, slab).await.unwrap();
    // 5: cranked once at 94: inside its episode (the ramp stops it at a quarter).
    let u = tm.new_user_seeded(b, 100 * SOL, 0, 14).await;
    let p = tm.open_levered(b, &u, slab, 100 * SOL, 8_990 * USDC).await;
    owners.push(("in_episode", u, p));
    // 6: cranked until restored to target; its first lot is taken whole, its second in part.
    let u = tm.new_user_seeded(b, 20 * SOL, 0, 15).await;
    let p = tm.open_levered(b, &u, slab, 20 * SOL, 1_790 * USDC).await;
    owners.push(("restored", u, p));
    tm.close(b, &d, p3).await.unwrap();
    tm.close(b, &d, p4).await.unwrap();

    // 4 again, generation 1 (the free list's head), healthy with debt.
    at_slot(b, &tm, SLOT_REUSE, 100.0).await;
    let u = tm.new_user_seeded(b, 20 * SOL, 0, 16).await;
    let p = tm.open_levered(b, &u, slab, 20 * SOL, 1_000 * USDC).await;
    assert_eq!((p.index, p.generation), (p4.index, 1), "entry 4 reused");
    owners.push(("reused", u, p));

    let mut s = Scenario {
        bank,
        tm,
        lp,
        keeper,
        taker,
        owners,
        lots: vec![],
        cfg,
    };
    let (_, e) = s.pos("in_episode");
    let (_, f) = s.pos("restored");
    let (bank, tm) = (&mut s.bank, &mut s.tm);

    // The price falls: lots 0 (episode) and 1 (restored), then 2 (restored, next slot).
    at_slot(bank, tm, SLOT_DROP, 94.0).await;
    tm.crank(bank, &s.keeper, &[e, f]).await.unwrap();
    at_slot(bank, tm, SLOT_DROP + 1, 94.0).await;
    tm.crank(bank, &s.keeper, &[f]).await.unwrap();
    // Back at target: the next crank ends the episode without seizing.
    at_slot(bank, tm, SLOT_DROP + 2, 94.0).await;
    tm.crank(bank, &s.keeper, &[f]).await.unwrap();
    let lots: Vec<LotRef> = tm.open_lots(bank).await.into_iter().map(|l| l.0).collect();
    assert_eq!(lots.len(), 3, "three lots: {lots:?}");
    assert_eq!(
        tm.position(bank, f).await.flags & POSITION_IN_EPISODE,
        0,
        "restored position's episode over"
    );

    // Lot 1 taken whole (freed), lot 2 in part.
    let params = tm.market_state(bank).await.params;
    at_slot(bank, tm, SLOT_TAKE_ALL, 94.0).await;
    let l1 = tm.lot(bank, lots[1]).await;
    let p1 = price_at(&params, l1.start_price, SLOT_TAKE_ALL - l1.start_slot).unwrap();
    tm.take(bank, &s.taker, lots[1], u64::MAX, p1)
        .await
        .unwrap();
    at_slot(bank, tm, SLOT_TAKE_PART, 94.0).await;
    let l2 = tm.lot(bank, lots[2]).await;
    let p2 = price_at(&params, l2.start_price, SLOT_TAKE_PART - l2.start_slot).unwrap();
    // A third of it: the tab left stays well above dust.
    tm.take(bank, &s.taker, lots[2], l2.collateral_native / 3, p2)
        .await
        .unwrap();
    assert!(
        tm.lot(bank, lots[2]).await.flags & LOT_IN_USE != 0,
        "lot 2 still open"
    );
    at_slot(bank, tm, SLOT_END, 94.0).await;
    s.lots = lots;
    s
}

// ---- the fixtures ----

/// The oracle price as the program normalises it (`oracle::read_pull` + `normalize`).
async fn oracle_price(bank: &mut Bank, tm: &TestMarket, m: &Market) -> u64 {
    let data = bank.data(&tm.oracle).await;
    let update = PriceUpdateV2::try_deserialize(&mut &data[..]).expect("price update");
    let msg = &update.price_message;
    let raw = RawPrice {
        price: msg.price,
        conf: msg.conf,
        expo: msg.exponent,
        ema_price: msg.ema_price,
        publish_time: msg.publish_time,
        publish_slot: update.posted_slot,
    };
    normalize(
        &raw,
        m.collateral_decimals,
        m.debt_decimals,
        m.inverted != 0,
    )
    .expect("normalize")
    .price
}

fn market_json(tm: &TestMarket, data: &[u8], m: &Market) -> Value {
    // The index `accrue` gives at a few slots from this state (one unchanged, one a year / 1000 on).
    let accrual: Vec<Value> = [0u64, 1, 5_000, 78_840]
        .iter()
        .map(|dt| {
            let slot = m.last_accrual_slot + dt;
            let mut at = *m;
            softliq::engine::interest::accrue_market(&mut at, slot);
            json!({ "slot": slot.fx(), "borrow_index": at.borrow_index.fx() })
        })
        .collect();
    json!({
        "address": tm.market.fx(),
        "account_b64": b64(data),
        "expected": market_fields(m),
        "accrual": accrual,
    })
}

fn slab_json(slab: &Pubkey, data: &[u8], m: &Market, price: u64) -> Value {
    let (header, positions) = entries_of::<Position>(data).expect("slab");
    // The margins in force (with their volatility add-ons).
    let p = &softliq::engine::risk::effective(&m.params, &m.risk, &m.risk_state).expect("params");
    let positions: Vec<Value> = positions[..header.next_unused as usize]
        .iter()
        .enumerate()
        .filter(|(_, q)| q.flags & POSITION_IN_USE != 0)
        .map(|(i, q)| {
            let debt = debt_native(q.debt_shares, m.borrow_index).expect("debt");
            let c = q.collateral_native;
            let h = |margin| health(c, debt, price, margin).expect("health");
            let mut o = indexed(i as u32, position_fields(q));
            o.insert("debt_native".into(), debt.fx());
            o.insert("health_init".into(), h(p.init_margin_bps).fx());
            o.insert("health_maint".into(), h(p.maint_margin_bps).fx());
            o.insert("health_target".into(), h(p.target_margin_bps).fx());
            let liq = is_liquidatable(c, debt, price, p.maint_margin_bps).expect("liq");
            o.insert("liquidatable".into(), liq.fx());
            Value::Object(o)
        })
        .collect();
    json!({
        "address": slab.fx(),
        "account_b64": b64(data),
        "context": {
            "price": price.fx(),
            "borrow_index": m.borrow_index.fx(),
            "init_margin_bps": p.init_margin_bps.fx(),
            "maint_margin_bps": p.maint_margin_bps.fx(),
            "target_margin_bps": p.target_margin_bps.fx(),
        },
        "expected": { "header": header.fx(), "positions": positions },
    })
}

fn lot_book_json(book: &Pubkey, data: &[u8]) -> Value {
    let (header, lots) = entries_of::<Lot>(data).expect("lot book");
    let lots: Vec<Value> = lots[..header.next_unused as usize]
        .iter()
        .enumerate()
        .filter(|(_, l)| l.flags & LOT_IN_USE != 0)
        .map(|(i, l)| Value::Object(indexed(i as u32, lot_fields(l))))
        .collect();
    json!({
        "address": book.fx(),
        "account_b64": b64(data),
        "expected": { "header": header.fx(), "lots": lots },
    })
}

/// One instruction: `names` are the `#[derive(Accounts)]` fields in declaration order.
fn ix_json(
    name: &str,
    args: Value,
    names: &[&str],
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
) -> Value {
    let metas = accounts.to_account_metas(None);
    assert_eq!(
        names.len(),
        metas.len(),
        "{name}: {} account names for {} metas",
        names.len(),
        metas.len()
    );
    let accounts: Vec<Value> = names
        .iter()
        .zip(&metas)
        .map(|(n, a)| {
            json!({
                "name": n,
                "pubkey": a.pubkey.fx(),
                "is_signer": a.is_signer,
                "is_writable": a.is_writable,
            })
        })
        .collect();
    json!({ "name": name, "args": args, "accounts": accounts, "data_hex": hex(&data.data()) })
}

fn lot_args(lot: LotRef) -> Value {
    json!({ "lot_index": lot.index.fx(), "lot_generation": lot.generation.fx() })
}

/// Every instruction of the program, on the scenario's accounts.
fn instructions_json(s: &Scenario) -> Value {
    use softliq::accounts as a;
    use softliq::instruction as d;
    let tm = &s.tm;
    let slab = tm.slabs[0];
    let system = anchor_lang::system_program::ID;
    let (owner, pos) = s.pos("reused");
    let (e_owner, e) = s.pos("in_episode");
    let (_, f) = s.pos("restored");
    let (lp, keeper, taker) = (&s.lp, &s.keeper, &s.taker);
    let (open_lot, part_lot) = (s.lots[0], s.lots[2]);
    let pos_args = |amount_name: &str, amount: u64| {
        let mut v = json!({ "index": pos.index.fx(), "generation": pos.generation.fx() });
        v[amount_name] = amount.fx();
        v
    };
    let mut out = vec![];

    let args = InitializeMarketArgs {
        params: s.cfg.params,
        oracle_kind: s.cfg.oracle_kind,
        oracle_feed_id: tm.feed_id,
        inverted: s.cfg.inverted,
        lot_capacity: s.cfg.lot_capacity,
        risk: s.cfg.risk,
    };
    out.push(ix_json(
        "initialize_market",
        json!({ "args": {
            "params": args.params.fx(),
            "oracle_kind": args.oracle_kind.fx(),
            "oracle_feed_id": args.oracle_feed_id.fx(),
            "inverted": args.inverted.fx(),
            "lot_capacity": args.lot_capacity.fx(),
            "risk": args.risk.fx(),
        } }),
        &[
            "admin",
            "market",
            "lot_book",
            "collateral_mint",
            "debt_mint",
            "vault_auth",
            "collateral_vault",
            "debt_vault",
            "insurance_vault",
            "oracle",
            "collateral_token_program",
            "debt_token_program",
            "system_program",
        ],
        a::InitializeMarket {
            admin: tm.admin.pubkey(),
            market: tm.market,
            lot_book: tm.lot_book,
            collateral_mint: tm.collateral_mint,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            collateral_vault: tm.collateral_vault,
            debt_vault: tm.debt_vault,
            insurance_vault: tm.insurance_vault,
            oracle: tm.oracle,
            collateral_token_program: tm.collateral_program,
            debt_token_program: tm.debt_program,
            system_program: system,
        },
        d::InitializeMarket { args },
    ));

    let params = MarketParams {
        liq_ramp_slots: 10,
        max_liq_notional_per_slot: 500_000 * USDC,
        ..s.cfg.params
    };
    out.push(ix_json(
        "update_params",
        json!({ "params": params.fx(), "paused": PAUSE_BORROW.fx() }),
        &["admin", "market"],
        a::UpdateParams {
            admin: tm.admin.pubkey(),
            market: tm.market,
        },
        d::UpdateParams {
            params,
            paused: PAUSE_BORROW,
        },
    ));

    let risk = RiskParams {
        vol_enabled: 1,
        margin_addon_cap_bps: s.cfg.risk.margin_addon_cap_bps,
        depth_native: 20_000_000_000_000,
        budget_depth_bps: 50,
        ..s.cfg.risk
    };
    out.push(ix_json(
        "set_risk_params",
        json!({ "risk": risk.fx() }),
        &["admin", "market"],
        a::SetRiskParams {
            admin: tm.admin.pubkey(),
            market: tm.market,
        },
        d::SetRiskParams { risk },
    ));
    out.push(ix_json(
        "refresh_risk",
        json!({}),
        &["market", "oracle"],
        a::RefreshRisk {
            market: tm.market,
            oracle: tm.oracle,
        },
        d::RefreshRisk {},
    ));

    out.push(ix_json(
        "init_slab",
        json!({ "capacity": 16u32.fx() }),
        &["admin", "market", "slab"],
        a::InitSlab {
            admin: tm.admin.pubkey(),
            market: tm.market,
            slab,
        },
        d::InitSlab { capacity: 16 },
    ));

    let amount = 1_000_000 * USDC;
    out.push(ix_json(
        "lp_deposit",
        json!({ "amount": amount.fx() }),
        &[
            "owner",
            "market",
            "lp_account",
            "owner_debt",
            "debt_vault",
            "debt_mint",
            "debt_token_program",
            "system_program",
        ],
        a::LpDeposit {
            owner: lp.key(),
            market: tm.market,
            lp_account: tm.lp_account(&lp.key()),
            owner_debt: lp.debt,
            debt_vault: tm.debt_vault,
            debt_mint: tm.debt_mint,
            debt_token_program: tm.debt_program,
            system_program: system,
        },
        d::LpDeposit { amount },
    ));

    let shares = 123_456_789_012u64;
    out.push(ix_json(
        "lp_withdraw",
        json!({ "shares": shares.fx() }),
        &[
            "owner",
            "market",
            "lp_account",
            "owner_debt",
            "debt_vault",
            "debt_mint",
            "vault_auth",
            "oracle",
            "debt_token_program",
        ],
        a::LpWithdraw {
            owner: lp.key(),
            market: tm.market,
            lp_account: tm.lp_account(&lp.key()),
            owner_debt: lp.debt,
            debt_vault: tm.debt_vault,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            oracle: tm.oracle,
            debt_token_program: tm.debt_program,
        },
        d::LpWithdraw { shares },
    ));

    out.push(ix_json(
        "open_position",
        json!({}),
        &["owner", "market", "slab", "system_program"],
        a::OpenPosition {
            owner: owner.key(),
            market: tm.market,
            slab,
            system_program: system,
        },
        d::OpenPosition {},
    ));

    let amount = 20 * SOL;
    out.push(ix_json(
        "deposit_collateral",
        pos_args("amount", amount),
        &[
            "owner",
            "market",
            "slab",
            "owner_collateral",
            "collateral_vault",
            "collateral_mint",
            "collateral_token_program",
        ],
        tm.deposit_accounts(owner, pos),
        d::DepositCollateral {
            index: pos.index,
            generation: pos.generation,
            amount,
        },
    ));

    let amount = 3 * SOL + 1;
    out.push(ix_json(
        "withdraw_collateral",
        pos_args("amount", amount),
        &[
            "owner",
            "market",
            "slab",
            "owner_collateral",
            "collateral_vault",
            "collateral_mint",
            "vault_auth",
            "oracle",
            "collateral_token_program",
        ],
        tm.withdraw_accounts(owner, pos),
        d::WithdrawCollateral {
            index: pos.index,
            generation: pos.generation,
            amount,
        },
    ));

    let amount = 1_000 * USDC;
    out.push(ix_json(
        "borrow",
        pos_args("amount", amount),
        &[
            "owner",
            "market",
            "slab",
            "owner_debt",
            "debt_vault",
            "debt_mint",
            "vault_auth",
            "oracle",
            "debt_token_program",
        ],
        tm.borrow_accounts(owner, pos),
        d::Borrow {
            index: pos.index,
            generation: pos.generation,
            amount,
        },
    ));

    let max_amount = u64::MAX;
    out.push(ix_json(
        "repay",
        pos_args("max_amount", max_amount),
        &[
            "payer",
            "market",
            "slab",
            "payer_debt",
            "debt_vault",
            "debt_mint",
            "debt_token_program",
        ],
        a::Repay {
            payer: owner.key(),
            market: tm.market,
            slab,
            payer_debt: owner.debt,
            debt_vault: tm.debt_vault,
            debt_mint: tm.debt_mint,
            debt_token_program: tm.debt_program,
        },
        d::Repay {
            index: pos.index,
            generation: pos.generation,
            max_amount,
        },
    ));

    out.push(ix_json(
        "close_position",
        json!({ "index": pos.index.fx(), "generation": pos.generation.fx() }),
        &[
            "owner",
            "market",
            "slab",
            "owner_collateral",
            "collateral_vault",
            "collateral_mint",
            "vault_auth",
            "collateral_token_program",
        ],
        a::ClosePosition {
            owner: owner.key(),
            market: tm.market,
            slab,
            owner_collateral: owner.collateral,
            collateral_vault: tm.collateral_vault,
            collateral_mint: tm.collateral_mint,
            vault_auth: tm.vault_auth,
            collateral_token_program: tm.collateral_program,
        },
        d::ClosePosition {
            index: pos.index,
            generation: pos.generation,
        },
    ));

    let entries: Vec<PositionRef> = [e, f, pos]
        .iter()
        .map(|p| PositionRef {
            index: p.index,
            generation: p.generation,
        })
        .collect();
    let entries_json: Vec<Value> = entries
        .iter()
        .map(|r| json!({ "index": r.index.fx(), "generation": r.generation.fx() }))
        .collect();
    out.push(ix_json(
        "crank_liquidate",
        json!({ "entries": entries_json }),
        &[
            "keeper",
            "market",
            "slab",
            "lot_book",
            "oracle",
            "insurance_vault",
            "keeper_debt",
            "debt_mint",
            "vault_auth",
            "debt_token_program",
        ],
        a::CrankLiquidate {
            keeper: keeper.key(),
            market: tm.market,
            slab,
            lot_book: tm.lot_book,
            oracle: tm.oracle,
            insurance_vault: tm.insurance_vault,
            keeper_debt: keeper.debt,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            debt_token_program: tm.debt_program,
        },
        d::CrankLiquidate { entries },
    ));

    // As the harness sends it: the lot's slab present, the owner's account absent
    // (the program id, read-only: Anchor's convention for a missing optional account).
    let (max_collateral, max_price) = (SOL, 95_880_000_000u64);
    let mut args = lot_args(part_lot);
    args["max_collateral"] = max_collateral.fx();
    args["max_price"] = max_price.fx();
    out.push(ix_json(
        "auction_take",
        args,
        &[
            "taker",
            "market",
            "lot_book",
            "taker_debt",
            "taker_collateral",
            "collateral_vault",
            "debt_vault",
            "insurance_vault",
            "collateral_mint",
            "debt_mint",
            "vault_auth",
            "collateral_token_program",
            "debt_token_program",
            "slab",
            "owner_collateral",
        ],
        tm.take_accounts(taker, Some(slab), None),
        d::AuctionTake {
            lot_index: part_lot.index,
            lot_generation: part_lot.generation,
            max_collateral,
            max_price,
        },
    ));

    out.push(ix_json(
        "auction_reset",
        lot_args(open_lot),
        &[
            "caller",
            "market",
            "lot_book",
            "oracle",
            "insurance_vault",
            "caller_debt",
            "debt_mint",
            "vault_auth",
            "debt_token_program",
        ],
        a::AuctionReset {
            caller: keeper.key(),
            market: tm.market,
            lot_book: tm.lot_book,
            oracle: tm.oracle,
            insurance_vault: tm.insurance_vault,
            caller_debt: keeper.debt,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            debt_token_program: tm.debt_program,
        },
        d::AuctionReset {
            lot_index: open_lot.index,
            lot_generation: open_lot.generation,
        },
    ));

    out.push(ix_json(
        "auction_redeem",
        lot_args(open_lot),
        &[
            "owner",
            "market",
            "lot_book",
            "slab",
            "owner_debt",
            "debt_vault",
            "insurance_vault",
            "debt_mint",
            "oracle",
            "debt_token_program",
        ],
        a::AuctionRedeem {
            owner: e_owner.key(),
            market: tm.market,
            lot_book: tm.lot_book,
            slab,
            owner_debt: e_owner.debt,
            debt_vault: tm.debt_vault,
            insurance_vault: tm.insurance_vault,
            debt_mint: tm.debt_mint,
            oracle: tm.oracle,
            debt_token_program: tm.debt_program,
        },
        d::AuctionRedeem {
            lot_index: open_lot.index,
            lot_generation: open_lot.generation,
        },
    ));

    out.push(ix_json(
        "auction_settle",
        lot_args(open_lot),
        &[
            "caller",
            "market",
            "lot_book",
            "insurance_vault",
            "debt_vault",
            "debt_mint",
            "vault_auth",
            "debt_token_program",
        ],
        a::AuctionSettle {
            caller: keeper.key(),
            market: tm.market,
            lot_book: tm.lot_book,
            insurance_vault: tm.insurance_vault,
            debt_vault: tm.debt_vault,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            debt_token_program: tm.debt_program,
        },
        d::AuctionSettle {
            lot_index: open_lot.index,
            lot_generation: open_lot.generation,
        },
    ));

    let amount = 1_000 * USDC;
    out.push(ix_json(
        "insurance_deposit",
        json!({ "amount": amount.fx() }),
        &[
            "owner",
            "market",
            "stake",
            "owner_debt",
            "insurance_vault",
            "debt_mint",
            "debt_token_program",
            "system_program",
        ],
        a::InsuranceDeposit {
            owner: lp.key(),
            market: tm.market,
            stake: tm.stake_account(&lp.key()),
            owner_debt: lp.debt,
            insurance_vault: tm.insurance_vault,
            debt_mint: tm.debt_mint,
            debt_token_program: tm.debt_program,
            system_program: system,
        },
        d::InsuranceDeposit { amount },
    ));

    let shares = 400 * USDC;
    out.push(ix_json(
        "insurance_request_withdraw",
        json!({ "shares": shares.fx() }),
        &["owner", "market", "stake"],
        a::InsuranceRequestWithdraw {
            owner: lp.key(),
            market: tm.market,
            stake: tm.stake_account(&lp.key()),
        },
        d::InsuranceRequestWithdraw { shares },
    ));

    out.push(ix_json(
        "insurance_withdraw",
        json!({}),
        &[
            "owner",
            "market",
            "stake",
            "owner_debt",
            "insurance_vault",
            "debt_mint",
            "vault_auth",
            "oracle",
            "debt_token_program",
        ],
        a::InsuranceWithdraw {
            owner: lp.key(),
            market: tm.market,
            stake: tm.stake_account(&lp.key()),
            owner_debt: lp.debt,
            insurance_vault: tm.insurance_vault,
            debt_mint: tm.debt_mint,
            vault_auth: tm.vault_auth,
            oracle: tm.oracle,
            debt_token_program: tm.debt_program,
        },
        d::InsuranceWithdraw {},
    ));

    json!({ "program_id": softliq::ID.fx(), "instructions": out })
}

/// The instruction names and account names agree with the IDL the client is generated from.
fn check_against_idl(ixs: &Value) {
    let path = fixtures_dir().join("../../idl/softliq.json");
    let idl: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("IDL")).expect("IDL is JSON");
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let mut ours = names(&ixs["instructions"]);
    let mut theirs = names(&idl["instructions"]);
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "instruction kinds vs the IDL");
    for ix in ixs["instructions"].as_array().expect("instructions") {
        let idl_ix = idl["instructions"]
            .as_array()
            .expect("IDL instructions")
            .iter()
            .find(|i| i["name"] == ix["name"])
            .expect("in the IDL");
        assert_eq!(
            names(&ix["accounts"]),
            names(&idl_ix["accounts"]),
            "{}: account names vs the IDL",
            ix["name"]
        );
    }
}

/// The states the README asks the scenario to cover.
fn check_coverage(slab: &Value, book: &Value) {
    let positions = slab["expected"]["positions"].as_array().expect("positions");
    let n = |v: &Value| -> u64 {
        v.as_str()
            .map(|s| s.parse().expect("decimal"))
            .or_else(|| v.as_u64())
            .expect("number")
    };
    let any = |what: &str, f: &dyn Fn(&Value) -> bool| {
        assert!(positions.iter().any(f), "no position {what}");
    };
    any("without debt", &|p| n(&p["debt_shares"]) == 0);
    any("healthy with debt", &|p| {
        n(&p["debt_shares"]) > 0 && p["liquidatable"] == false
    });
    any("liquidatable outside an episode", &|p| {
        p["liquidatable"] == true && n(&p["flags"]) & 2 == 0
    });
    any("inside an episode", &|p| {
        n(&p["flags"]) & 2 != 0
            && n(&p["episode_start_collateral_native"]) > 0
            && n(&p["episode_seized_collateral_native"]) > 0
            && n(&p["episode_seized_notional_native"]) > 0
    });
    any("reused (generation > 0)", &|p| n(&p["generation"]) > 0);
    let header = &slab["expected"]["header"];
    assert_ne!(n(&header["free_head"]), NONE as u64, "slab free list empty");
    let lots = book["expected"]["lots"].as_array().expect("lots");
    assert!(
        lots.iter().any(|l| n(&l["proceeds_native"]) > 0),
        "no partially taken lot: {:#}",
        book["expected"]
    );
    assert_ne!(
        n(&book["expected"]["header"]["free_head"]),
        NONE as u64,
        "no freed lot"
    );
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../app/client/test/fixtures")
}

/// Where two JSON values first differ (a path and both values; account bytes by offset).
fn first_diff(path: &str, old: &Value, new: &Value) -> Option<String> {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let p = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) if k.ends_with("_b64") && x != y => {
                        let decode = |v: &Value| {
                            base64::engine::general_purpose::STANDARD
                                .decode(v.as_str().unwrap_or_default())
                                .unwrap_or_default()
                        };
                        let (x, y) = (decode(x), decode(y));
                        let at = x.iter().zip(&y).position(|(u, v)| u != v);
                        Some(format!(
                            "{p}: account bytes differ ({} committed, {} now; first difference at byte {})",
                            x.len(),
                            y.len(),
                            at.map_or("(length only)".to_owned(), |i| i.to_string())
                        ))
                    }
                    (Some(x), Some(y)) => first_diff(&p, x, y),
                    (Some(_), None) => Some(format!("{p}: committed, no longer written")),
                    (None, Some(_)) => Some(format!("{p}: new, not in the committed file")),
                    (None, None) => None,
                }
            })
        }
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_diff(&format!("{path}[{i}]"), x, y))
            .or_else(|| {
                (a.len() != b.len())
                    .then(|| format!("{path}: {} entries committed, {} now", a.len(), b.len()))
            }),
        _ if old == new => None,
        _ => Some(format!("{path}: committed {old}, now {new}")),
    }
}

#[tokio::test]
async fn fixtures_for_the_ts_client_are_up_to_date() {
    let mut s = scenario().await;
    let (bank, tm) = (&mut s.bank, &s.tm);
    let market_data = bank.data(&tm.market).await;
    let m = tm.market_state(bank).await;
    let price = oracle_price(bank, tm, &m).await;
    let slab_data = bank.data(&tm.slabs[0]).await;
    let book_data = bank.data(&tm.lot_book).await;

    let market = market_json(tm, &market_data, &m);
    let slab = slab_json(&tm.slabs[0], &slab_data, &m, price);
    let book = lot_book_json(&tm.lot_book, &book_data);
    let ixs = instructions_json(&s);
    check_coverage(&slab, &book);
    check_against_idl(&ixs);

    let dir = fixtures_dir();
    let values = [
        market,
        slab,
        book,
        ixs,
        risk_json(),
        liquidation_json(),
        auction_json(),
    ];
    if std::env::var(WRITE_ENV).as_deref() == Ok("1") {
        std::fs::create_dir_all(&dir).expect("fixtures dir");
        for (file, value) in FILES.iter().zip(&values) {
            let text = serde_json::to_string_pretty(value).expect("json") + "\n";
            std::fs::write(dir.join(file), text).expect("write fixture");
            println!("wrote {}", dir.join(file).display());
        }
        return;
    }
    let mut problems = vec![];
    for (file, value) in FILES.iter().zip(&values) {
        let path = dir.join(file);
        let committed = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{file}: missing ({e})"));
                continue;
            }
        };
        match serde_json::from_str::<Value>(&committed) {
            Err(e) => problems.push(format!("{file}: not JSON ({e})")),
            Ok(old) => {
                if let Some(d) = first_diff("", &old, value) {
                    problems.push(format!("{file}: {d}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the TS client's fixtures in {} are not what the program writes now:\n  {}\n\
         If the change is intended (a layout, instruction or scenario change), regenerate them with\n  \
         SOFTLIQ_WRITE_FIXTURES=1 cargo test -p softliq-tests --test test_all fixtures\n\
         then run `npm test` (app/client's decoders must follow) and commit the fixtures.",
        dir.display(),
        problems.join("\n  ")
    );
}

/// A fixed LCG (the cases are part of a fixture, not of a random run):
/// `next(range)` draws from `0..range` (0 when `range` is 0).
fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |range| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) % range.max(1)
    }
}

/// Inputs and the Rust engine's answers for the client's risk helpers
/// (app/client/src/risk.ts): liquidation price, max withdraw, max borrow, and
/// health after each action computed with the instructions' own steps.
fn risk_json() -> Value {
    use softliq::engine::health::{
        liquidation_price, max_borrow, max_withdraw, shares_for_borrow, shares_for_repay,
    };
    let opt = |v: Option<u64>| v.map_or(Value::Null, |x| x.to_string().into());
    let opt_i = |v: Option<i128>| v.map_or(Value::Null, |x| x.to_string().into());
    let mut next = lcg(0x005e_ed0f_50f7);
    let mut cases = vec![
        // The README's worked example: 10 SOL, 900 USDC, 100 USDC/SOL, 5% / 10%.
        (
            10 * SOL,
            900 * USDC,
            softliq::math::BORROW_INDEX_SCALE,
            100_000_000_000u64,
            500u64,
            1_000u64,
        ),
        (
            10 * SOL,
            0,
            softliq::math::BORROW_INDEX_SCALE,
            100_000_000_000,
            500,
            1_000,
        ),
        (
            0,
            900 * USDC,
            softliq::math::BORROW_INDEX_SCALE,
            100_000_000_000,
            500,
            1_000,
        ),
        (
            1,
            1,
            3 * softliq::math::BORROW_INDEX_SCALE / 2,
            1,
            9_999,
            9_999,
        ),
    ];
    for _ in 0..40 {
        let maint = 100 + next(2_000);
        cases.push((
            1 + next(1_000 * SOL),
            next(100_000 * USDC),
            softliq::math::BORROW_INDEX_SCALE + next(softliq::math::BORROW_INDEX_SCALE),
            1_000_000 + next(1_000_000_000_000),
            maint,
            maint + next(1_000),
        ));
    }
    let rows: Vec<Value> = cases
        .into_iter()
        .map(|(c, shares, index, price, maint, init)| {
            let debt = debt_native(shares, index);
            let amount = debt.unwrap_or(0) / 3 + 1;
            let h = |c: Option<u64>, s: Option<u64>| -> Option<i128> {
                health(c?, debt_native(s?, index)?, price, init)
            };
            let repay_shares = match debt {
                Some(d) if amount >= d => Some(0),
                _ => shares_for_repay(amount, index).and_then(|r| shares.checked_sub(r)),
            };
            json!({
                "collateral": c.to_string(),
                "debt_shares": shares.to_string(),
                "borrow_index": index.to_string(),
                "price": price.to_string(),
                "maint_margin_bps": maint.to_string(),
                "init_margin_bps": init.to_string(),
                "amount": amount.to_string(),
                "debt": opt(debt),
                "liquidation_price": opt(debt.and_then(|d| liquidation_price(c, d, maint))),
                "max_withdraw": opt(debt.map(|d| max_withdraw(c, d, price, init))),
                "max_borrow": max_borrow(c, shares, index, price, init).to_string(),
                "health_after_deposit": opt_i(h(c.checked_add(amount), Some(shares))),
                "health_after_withdraw": opt_i(h(c.checked_sub(amount), Some(shares))),
                "health_after_borrow": opt_i(h(
                    Some(c),
                    shares_for_borrow(amount, index).and_then(|a| shares.checked_add(a))
                )),
                "health_after_repay": opt_i(h(Some(c), repay_shares)),
            })
        })
        .collect();
    json!({ "cases": rows })
}

/// Inputs and `engine::liquidation::plan`'s answers, for the client's
/// soft-liquidation preview (what a crank would seize at a given price).
fn liquidation_json() -> Value {
    use softliq::engine::liquidation::{plan, LiqError, LiqInput, LiqParams, NoLiq};
    let opt = |v: Option<u64>| v.map_or(Value::Null, |x| x.to_string().into());
    let mut next = lcg(0x0011_9a7e_5eed);
    let mut rows = Vec::new();
    for i in 0..120u64 {
        let maint = 200 + next(1_500);
        let p = LiqParams {
            maint_margin_bps: maint,
            target_margin_bps: maint + next(300),
            liquidation_penalty_bps: next(200),
            lot_buffer_bps: next(500),
            close_factor_bps: [10_000, 5_000, 2_000][next(3) as usize],
            liq_ramp_slots: [0, 0, 10, 100][next(4) as usize],
            urgent_gap_bps: [0, 0, 300][next(3) as usize],
        };
        let c = 1 + next(100 * SOL);
        let price = 1_000_000_000 + next(200_000_000_000);
        // Loan-to-value from 80% to 110% of the collateral's value.
        let value = (c as u128 * price as u128 / softliq::math::PRICE_SCALE as u128) as u64;
        let d = value / 100 * (80 + next(31)) + next(1_000);
        let ongoing = next(3) == 0;
        let s = LiqInput {
            collateral_native: c,
            debt_native: d,
            price,
            episode_slots: if ongoing { next(200) } else { 0 },
            episode_start_collateral_native: if ongoing { c + next(c) } else { c },
            episode_seized_collateral_native: if ongoing { next(c) } else { 0 },
            budget_remaining_notional: [None, Some(next(value + 1)), Some(0)][(i % 3) as usize],
            urgent_remaining_notional: next(value / 2 + 1),
            hole_remaining_collateral: [None, None, Some(next(c + 1))][next(3) as usize],
            slack_native: 3 + next(3),
            in_episode: ongoing,
            min_notional: [0, 1_000, 1_000_000][next(3) as usize],
        };
        let result = match plan(&p, &s) {
            Ok(Ok(l)) => json!({
                "kind": "plan",
                "seize_collateral_native": l.seize_collateral_native.to_string(),
                "debt_moved_native": l.debt_moved_native.to_string(),
                "penalty_native": l.penalty_native.to_string(),
                "seized_notional_native": l.seized_notional_native.to_string(),
                "needed_collateral_native": l.needed_collateral_native.to_string(),
                "unrestorable": l.unrestorable,
                "urgent": l.urgent,
                "bound": l.bound.code(),
            }),
            Ok(Err(NoLiq::Healthy)) => json!({ "kind": "healthy" }),
            Ok(Err(NoLiq::Bounded(b))) => json!({ "kind": "bounded", "bound": b.code() }),
            Err(LiqError::Math) => json!({ "kind": "math_error" }),
            Err(LiqError::BadParams) => json!({ "kind": "bad_params" }),
        };
        rows.push(json!({
            "params": {
                "maint_margin_bps": p.maint_margin_bps.to_string(),
                "target_margin_bps": p.target_margin_bps.to_string(),
                "liquidation_penalty_bps": p.liquidation_penalty_bps.to_string(),
                "lot_buffer_bps": p.lot_buffer_bps.to_string(),
                "close_factor_bps": p.close_factor_bps.to_string(),
                "liq_ramp_slots": p.liq_ramp_slots.to_string(),
                "urgent_gap_bps": p.urgent_gap_bps.to_string(),
            },
            "input": {
                "collateral_native": s.collateral_native.to_string(),
                "debt_native": s.debt_native.to_string(),
                "price": s.price.to_string(),
                "episode_slots": s.episode_slots.to_string(),
                "episode_start_collateral_native": s.episode_start_collateral_native.to_string(),
                "episode_seized_collateral_native": s.episode_seized_collateral_native.to_string(),
                "budget_remaining_notional": opt(s.budget_remaining_notional),
                "urgent_remaining_notional": s.urgent_remaining_notional.to_string(),
                "hole_remaining_collateral": opt(s.hole_remaining_collateral),
                "slack_native": s.slack_native.to_string(),
                "in_episode": s.in_episode,
                "min_notional": s.min_notional.to_string(),
            },
            "result": result,
        }));
    }
    json!({ "cases": rows })
}

/// Lots, parameters and slots with `engine::auction::quote`'s answer, for the
/// web page's port (app/web/src/auction.ts): both curves, the cusp and tail
/// resets, and the insolvent-lot hold (flagged or not, first round or reset,
/// within the hold or past it).
fn auction_json() -> Value {
    use softliq::engine::auction::{quote, CURVE_ANCHORED, CURVE_LINEAR, CURVE_STEP_EXP};
    let mut next = lcg(0x00a0_c710_5eed);
    let mut rows = Vec::new();
    for i in 0..160u64 {
        let p = MarketParams {
            auction_curve: match i % 8 {
                0 | 4 => CURVE_LINEAR,
                7 => CURVE_ANCHORED,
                _ => CURVE_STEP_EXP,
            },
            auction_tau_slots: 1 + next(2_000),
            auction_step_slots: 1 + next(4),
            auction_cut_bps: 9_900 + next(99),
            auction_tail_slots: 1 + next(600),
            auction_cusp_bps: next(7_000),
            auction_hold_slots: [0, 50, 300][next(3) as usize],
            ..MarketParams::default_soft()
        };
        let collateral = [0, 1 + next(100 * SOL)][usize::from(next(20) != 0)];
        let lot = Lot {
            collateral_native: collateral,
            tab_debt_native: [0, next(50_000_000_000)][usize::from(next(10) != 0)],
            start_price: next(200_000_000_000),
            start_slot: 1_000,
            resets: [0, 0, 1][next(3) as usize],
            flags: LOT_IN_USE
                | [
                    0,
                    LOT_INSOLVENT,
                    LOT_FAST_FALL,
                    LOT_OVERFLOW,
                    LOT_HELD_FLAGS,
                ][next(5) as usize],
            ..Lot::default()
        };
        let slot = 1_000 + next(400);
        let q = quote(&p, &lot, slot);
        rows.push(json!({
            "params": {
                "auction_curve": p.auction_curve.to_string(),
                "auction_tau_slots": p.auction_tau_slots.to_string(),
                "auction_step_slots": p.auction_step_slots.to_string(),
                "auction_cut_bps": p.auction_cut_bps.to_string(),
                "auction_tail_slots": p.auction_tail_slots.to_string(),
                "auction_cusp_bps": p.auction_cusp_bps.to_string(),
                "auction_hold_slots": p.auction_hold_slots.to_string(),
            },
            "lot": {
                "collateral_native": lot.collateral_native.to_string(),
                "tab_debt_native": lot.tab_debt_native.to_string(),
                "start_price": lot.start_price.to_string(),
                "start_slot": lot.start_slot.to_string(),
                "resets": lot.resets,
                "flags": lot.flags,
            },
            "slot": slot.to_string(),
            "quote": q.map_or(Value::Null, |q| json!({
                "price": q.price.to_string(),
                "needs_reset": q.needs_reset,
            })),
        }));
    }
    json!({ "cases": rows })
}
