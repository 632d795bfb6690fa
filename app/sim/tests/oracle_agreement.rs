//! The simulator's keeper and the program agree on the oracle: the keeper
//! reads the oracle account's bytes through `softliq_keeper::oracle::read`
//! (the program's adapter and guards), so for a price the program refuses
//! (stale, confidence too wide, too far from its EMA) it does not crank, and
//! a crank sent anyway fails with the error the keeper's reading names.
use clap::Parser;
use harness::bank::{code_of, TxError};
use harness::market::PosRef;
use harness::pyth::FeedPrice;
use softliq::error::SoftliqError;
use softliq_sim::agents;
use softliq_sim::book::Book;
use softliq_sim::cli::Cli;
use softliq_sim::config::RunKind;
use softliq_sim::config::SimConfig;
use softliq_sim::world::World;

fn config() -> SimConfig {
    std::env::set_var("RUST_LOG", "error");
    Cli::try_parse_from([
        "softliq-sim",
        "--positions",
        "60",
        "--slots",
        "10",
        "--quiet",
    ])
    .expect("flags")
    .validate()
    .expect("valid flags")
}

/// Positions a crank would liquidate at `price` now, as the keeper scans them.
async fn candidates(w: &mut World<'_>, slot: u64, price: u64) -> Vec<PosRef> {
    let market = agents::as_crank_sees(&w.tm.market_state(&mut w.bank).await, slot, Some(price));
    let mut out = Vec::new();
    for slab in w.tm.slabs.clone() {
        let data = w.bank.data(&slab).await;
        out.extend(
            agents::liquidatable(&market, &slab, &data, price, slot)
                .into_iter()
                .map(|c| PosRef {
                    slab: c.slab,
                    index: c.index,
                    generation: c.generation,
                }),
        );
    }
    out
}

async fn agreement() {
    let config = config();
    let book = Book::generate(
        config.positions,
        config.book_collateral_quote,
        config.path.start_price(),
        config.seed,
    );
    let (params, _) = RunKind::Hard
        .params(config.market_depth_quote, &config.soft_overrides)
        .unwrap();
    let mut w = World::setup(RunKind::Hard, &config, &book, params)
        .await
        .expect("setup");
    let slot = w.bank.slot().await + params.max_oracle_age_slots + 10;
    w.bank.warp_to(slot).await;
    let clock = w.bank.clock().await;
    // 35% below the start: the book's most levered positions are below maintenance.
    let good = harness::pyth::usd_feed(
        config.path.start_price() * 0.65,
        clock.slot,
        clock.unix_timestamp,
    );
    w.tm.set_feed(&mut w.bank, good).await;
    let price = w
        .read_usable_price()
        .await
        .expect("a fresh, tight price is usable");
    let targets = candidates(&mut w, slot, price).await;
    assert!(
        !targets.is_empty(),
        "something to liquidate at the good price"
    );
    let target = targets[0];

    let wide_conf = (good.price as u64) * (params.max_conf_bps + 10) / 10_000;
    // |price − ema| / ema just above the limit.
    let far_ema = good.price * 10_000 / (10_000 + params.max_deviation_bps as i64 + 10);
    let refused = [
        (
            "stale",
            FeedPrice {
                publish_slot: slot - params.max_oracle_age_slots - 1,
                ..good
            },
            SoftliqError::OracleStaleSlots,
        ),
        (
            "wide confidence",
            FeedPrice {
                conf: wide_conf,
                ..good
            },
            SoftliqError::OracleConfTooWide,
        ),
        (
            "EMA deviation",
            FeedPrice {
                ema_price: far_ema,
                ..good
            },
            SoftliqError::OracleDeviation,
        ),
    ];
    for (what, feed, error) in refused {
        let code = code_of(error);
        w.tm.set_feed(&mut w.bank, feed).await;
        let sent_before = w.bank.tx_count;
        w.keeper_turn(slot).await;
        assert_eq!(w.usable_price, None, "{what}: the keeper refuses the price");
        assert_eq!(w.trace.slot.cranks, 0, "{what}: no crank");
        assert_eq!(w.bank.tx_count, sent_before, "{what}: nothing sent");
        let reading = w.read_oracle().await.expect("readable");
        assert_eq!(
            reading.guard.map_err(code_of),
            Err(code),
            "{what}: the keeper's reason"
        );
        let crank = w.tm.crank(&mut w.bank, &w.keeper, &[target]).await;
        assert_eq!(
            crank,
            Err(TxError::Custom(code)),
            "{what}: the program refuses the crank with the same error"
        );
    }

    w.tm.set_feed(&mut w.bank, good).await;
    w.keeper_turn(slot).await;
    assert_eq!(w.usable_price, Some(price));
    assert!(w.trace.slot.cranks > 0, "the good price is cranked on");
    assert!(w.errors.is_empty(), "{:?}", w.errors);
}

#[test]
fn keeper_does_not_crank_on_a_price_the_program_refuses() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(agreement());
}
