//! The crank in the VM at 1, 8, 32 and its maximum entries: every entry is
//! liquidated, and the transaction fits the packet, the compute budget and
//! the log limit.
use harness::market::{funded_on, tx_size, Funded, MarketConfig, PosRef};
use softliq::engine::params::MAX_POSITIONS_PER_CRANK;
use softliq::state::MarketParams;

use super::table::{log_bytes, record, sbf_bank, LOG_LIMIT_BYTES};

const PACKET_DATA_SIZE: usize = 1_232;
const MAX_TX_CU: u64 = 1_400_000;

fn refs(ps: &[PosRef]) -> Vec<softliq::instructions::PositionRef> {
    ps.iter()
        .map(|p| softliq::instructions::PositionRef {
            index: p.index,
            generation: p.generation,
        })
        .collect()
}

/// Cranks `n` positions that are all just under maintenance; returns the CU.
async fn crank_n(n: usize) -> u64 {
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded_on(
        sbf_bank().await,
        MarketConfig {
            params: MarketParams {
                liq_ramp_slots: 0,
                max_liq_notional_per_slot: 0,
                ..MarketParams::default_soft()
            },
            slab_capacities: vec![n as u32],
            lot_capacity: 512,
            ..Default::default()
        },
    )
    .await;
    let slab = tm.slabs[0];
    let ps = tm.open_crankable(&mut bank, &trader, slab, n).await;
    let ix = tm.crank_ix(&keeper, slab, refs(&ps));
    let size = tx_size(&bank, &ix);
    tm.exec(&mut bank, ix, &[&keeper.kp]).await.unwrap();
    let cu = record(
        &bank,
        &format!("crank_liquidate, {n} entries, all liquidated"),
    );
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.liquidations, n as u64, "every entry liquidated");
    for p in &ps {
        let pos = tm.position(&mut bank, *p).await;
        assert!(pos.collateral_native < 1_000_000_000, "seized from {p:?}");
    }
    assert!(size < PACKET_DATA_SIZE, "{n} entries: {size} bytes");
    assert!(cu < MAX_TX_CU, "{n} entries: {cu} CU");
    let logs = log_bytes(&bank);
    assert!(logs < LOG_LIMIT_BYTES, "{n} entries: {logs} log bytes");
    cu
}

#[tokio::test]
async fn crank_1_entry() {
    crank_n(1).await;
}

#[tokio::test]
async fn crank_8_entries() {
    crank_n(8).await;
}

#[tokio::test]
async fn crank_32_entries() {
    crank_n(32).await;
}

#[tokio::test]
async fn crank_at_its_maximum_entries() {
    crank_n(MAX_POSITIONS_PER_CRANK as usize).await;
}
