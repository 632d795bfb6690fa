//! `scan` of 1,000,000 positions (10 synthetic slabs of 100,000 built in
//! memory): the keeper's zero-copy view and ranking against a naive decoder
//! that first deserialises every account into an owned `Vec<Position>`
//! (entry by entry, as a per-account deserializer does) and then ranks.
//! Both rank with the program's engine; the difference is the decoding.
//!
//! `cargo bench -p softliq-keeper --bench scan` (prints a summary with the ratio
//! before criterion's own measurements).
use std::hint::black_box;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use criterion::{criterion_group, criterion_main, Criterion};
use softliq::math::BORROW_INDEX_SCALE;
use softliq::state::{
    slab_account_size, BookEntry, BookHeader, Market, MarketParams, Position, PositionSlab,
    BOOK_HEADER_SIZE, NONE, POSITION_IN_USE, POSITION_SIZE,
};
use softliq_keeper::backend::AccountBytes;
use softliq_keeper::scan::{self, Candidate};

const SLABS: usize = 10;
const PER_SLAB: usize = 100_000;
/// 100 USDC per SOL (9 / 6 decimals).
const PRICE: u64 = 100_000_000_000;
/// The slot the scans run at.
const SLOT: u64 = 1_000;

fn market() -> Market {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.params = MarketParams::default_soft();
    m.borrow_index = BORROW_INDEX_SCALE / 100 * 105;
    m
}

/// A deterministic slab: 1–100 SOL of collateral, debt worth 0–100% of it at
/// 100 USDC (so about a tenth are below the 95% maintenance weight), 2% of
/// entries released.
fn slab(market: Pubkey, seed: u64) -> AccountBytes {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut data = AccountBytes::zeroed(slab_account_size(PER_SLAB));
    let buf = data.as_mut();
    buf[..8].copy_from_slice(PositionSlab::DISCRIMINATOR);
    let header = BookHeader {
        market,
        capacity: PER_SLAB as u32,
        used: 0,
        free_head: NONE,
        next_unused: PER_SLAB as u32,
        reserved: [0; 8],
    };
    let mut used = 0u32;
    for i in 0..PER_SLAB {
        let collateral = 1_000_000_000 + next() % 99_000_000_000;
        let value = collateral / 10; // USDC native at 100 USDC per SOL
        let debt = value / 1_000 * (next() % 1_001);
        let shares = debt * 100 / 105;
        let in_use = next() % 50 != 0;
        used += in_use as u32;
        let p = Position {
            owner: Pubkey::new_from_array([(i % 251) as u8; 32]),
            collateral_native: if in_use { collateral } else { 0 },
            debt_shares: if in_use { shares } else { 0 },
            generation: (next() % 4) as u32,
            flags: if in_use { POSITION_IN_USE } else { 0 },
            next_free: NONE,
            ..Default::default()
        };
        let off = 8 + BOOK_HEADER_SIZE + i * POSITION_SIZE;
        buf[off..off + POSITION_SIZE].copy_from_slice(bytemuck::bytes_of(&p));
    }
    let header = BookHeader { used, ..header };
    buf[8..8 + BOOK_HEADER_SIZE].copy_from_slice(bytemuck::bytes_of(&header));
    data
}

/// The naive path: deserialise the whole account into owned values first
/// (header, then every entry copied out with `pod_read_unaligned`), then rank.
fn naive_decode(data: &[u8]) -> Option<(BookHeader, Vec<Position>)> {
    let header: BookHeader = bytemuck::pod_read_unaligned(data.get(8..8 + BOOK_HEADER_SIZE)?);
    let base = 8 + BOOK_HEADER_SIZE;
    let mut v = Vec::with_capacity(header.capacity as usize);
    for i in 0..header.capacity as usize {
        let off = base + i * POSITION_SIZE;
        v.push(bytemuck::pod_read_unaligned::<Position>(
            data.get(off..off + POSITION_SIZE)?,
        ));
    }
    Some((header, v))
}

fn naive_liquidatable_all(
    m: &Market,
    slabs: &[(Pubkey, &[u8])],
    price: u64,
    slot: u64,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (key, data) in slabs {
        let Some((h, positions)) = naive_decode(data) else {
            continue;
        };
        for (i, p) in positions.iter().enumerate().take(h.next_unused as usize) {
            if !p.in_use() || p.debt_shares == 0 {
                continue;
            }
            let Some(c) = scan::evaluate(m, key, i as u32, p, price) else {
                continue;
            };
            if scan::would_liquidate(m, p, c.debt_native, price, slot) {
                out.push(c);
            }
        }
    }
    scan::sort_most_unhealthy(&mut out);
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let m = market();
    let market_key = Pubkey::new_from_array([7; 32]);
    let slabs: Vec<(Pubkey, AccountBytes)> = (0..SLABS)
        .map(|i| {
            (
                Pubkey::new_from_array([i as u8 + 1; 32]),
                slab(market_key, i as u64 + 1),
            )
        })
        .collect();
    let views: Vec<(Pubkey, &[u8])> = slabs.iter().map(|(k, d)| (*k, &d[..])).collect();

    let fast = scan::liquidatable_all(&m, &views, PRICE, SLOT);
    let slow = naive_liquidatable_all(&m, &views, PRICE, SLOT);
    assert_eq!(
        fast, slow,
        "both paths find the same positions in the same order"
    );
    let in_use: usize = views
        .iter()
        .map(|(_, d)| softliq::state::entries_of::<Position>(d).unwrap().0.used as usize)
        .sum();

    // A quick summary with the ratio (criterion's measurements follow).
    let runs = 7;
    let t_fast = median(
        (0..runs)
            .map(|_| time(|| scan::liquidatable_all(&m, &views, PRICE, SLOT)))
            .collect(),
    );
    let t_slow = median(
        (0..runs)
            .map(|_| time(|| naive_liquidatable_all(&m, &views, PRICE, SLOT)))
            .collect(),
    );
    let t_rank = median(
        (0..3)
            .map(|_| time(|| scan::rank_all(&m, &views, PRICE, SLOT)))
            .collect(),
    );
    println!(
        "scan of {} positions ({} in use) in {} slabs: {} liquidatable\n  zero-copy liquidatable: {:?}\n  naive decode + rank:    {:?}\n  ratio naive / zero-copy: {:.2}x\n  zero-copy rank_all (every position ranked): {:?}",
        SLABS * PER_SLAB,
        in_use,
        SLABS,
        fast.len(),
        t_fast,
        t_slow,
        t_slow.as_secs_f64() / t_fast.as_secs_f64(),
        t_rank
    );

    let mut g = c.benchmark_group("scan_1m_positions");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("zero_copy", |b| {
        b.iter(|| black_box(scan::liquidatable_all(&m, black_box(&views), PRICE, SLOT)))
    });
    g.bench_function("naive_decode", |b| {
        b.iter(|| black_box(naive_liquidatable_all(&m, black_box(&views), PRICE, SLOT)))
    });
    g.bench_function("zero_copy_rank_all", |b| {
        b.iter(|| black_box(scan::rank_all(&m, black_box(&views), PRICE, SLOT)))
    });
    g.finish();
}

fn time<T>(f: impl Fn() -> T) -> Duration {
    let t = Instant::now();
    black_box(f());
    t.elapsed()
}

criterion_group!(benches, bench);
criterion_main!(benches);
