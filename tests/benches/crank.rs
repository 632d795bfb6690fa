//! Native time of one crank of 64 liquidations vs 64 single-position cranks,
//! through the real program in the bank. `cargo bench -p softliq-tests --bench crank`.
#![allow(deprecated)]
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use harness::bank::Bank;
use harness::market::{MarketConfig, PosRef, TestMarket, TestUser};
use softliq::state::MarketParams;

struct Ready {
    bank: Bank,
    tm: TestMarket,
    keeper: TestUser,
    ps: Vec<PosRef>,
}

async fn ready() -> Ready {
    let mut bank = Bank::start().await;
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    };
    let cfg = MarketConfig {
        params,
        slab_capacities: vec![64],
        lot_capacity: 128,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    tm.check_invariants = false;
    let lp = tm.new_user(&mut bank, 0, 1_001_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .unwrap();
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 1_000_000_000_000, 0).await;
    let slab = tm.slabs[0];
    let mut ps = vec![];
    for _ in 0..64 {
        ps.push(
            tm.open_levered(&mut bank, &trader, slab, 1_000_000_000, 89_900_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 94.0).await;
    Ready {
        bank,
        tm,
        keeper,
        ps,
    }
}

fn bench(c: &mut Criterion) {
    std::env::set_var("RUST_LOG", "error");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut g = c.benchmark_group("crank_64_liquidations");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("one_crank_of_64", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut r = rt.block_on(ready());
                let t = Instant::now();
                rt.block_on(r.tm.crank(&mut r.bank, &r.keeper, &r.ps))
                    .unwrap();
                total += t.elapsed();
                assert_eq!(rt.block_on(r.tm.market_state(&mut r.bank)).liquidations, 64);
            }
            total
        })
    });
    g.bench_function("64_single_cranks", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut r = rt.block_on(ready());
                let t = Instant::now();
                for p in r.ps.clone() {
                    rt.block_on(r.tm.crank(&mut r.bank, &r.keeper, &[p]))
                        .unwrap();
                }
                total += t.elapsed();
                assert_eq!(rt.block_on(r.tm.market_state(&mut r.bank)).liquidations, 64);
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
