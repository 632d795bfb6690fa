//! Tests of the zero-copy book with position entries: a full 100,000-position
//! slab filled, emptied in a random order and refilled through the free list;
//! stale references; layout limits; a model-based property test.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use crate::state::book::{
    book_account_size, entries_of, BookEntry, BookError, BOOK_HEADER_SIZE, NONE,
};
use crate::state::lot_book::{lot_book_account_size, Lot, LotView, LOT_SIZE, MAX_LOT_CAPACITY};
use proptest::prelude::*;
use std::collections::BTreeMap;

const N: u32 = 100_000;

/// An 8-aligned zeroed buffer for a book of `capacity` entries of `entry_size`
/// bytes, preceded by `prefix` bytes (0, or 8 for an account's discriminator),
/// with the header initialised as `init_slab` does.
fn new_book(capacity: u32, entry_size: usize, prefix: usize) -> Vec<u64> {
    let bytes = prefix + BOOK_HEADER_SIZE + capacity as usize * entry_size;
    assert_eq!(bytes % 8, 0);
    let mut words = vec![0u64; bytes / 8];
    let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    let header: &mut BookHeader =
        bytemuck::from_bytes_mut(&mut buf[prefix..prefix + BOOK_HEADER_SIZE]);
    header.capacity = capacity;
    header.free_head = NONE;
    words
}

fn slab(words: &mut [u64]) -> SlabView<'_> {
    SlabView::from_bytes(bytemuck::cast_slice_mut(words)).unwrap()
}

/// Deterministic xorshift64* (no extra dependency).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform enough in `0..n` for shuffling.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn shuffled(n: u32, seed: u64) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n).collect();
    let mut rng = XorShift(seed);
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
    v
}

// The same limits, at compile time.
const _: () = assert!(MAX_SLAB_CAPACITY >= 100_000);
const _: () = assert!(slab_account_size(MAX_SLAB_CAPACITY) <= 10 * 1024 * 1024);
const _: () = assert!(slab_account_size(MAX_SLAB_CAPACITY + 1) > MAX_ACCOUNT_SIZE);

#[test]
fn limits() {
    assert_eq!(core::mem::size_of::<BookHeader>(), BOOK_HEADER_SIZE);
    assert_eq!(core::mem::size_of::<Position>(), POSITION_SIZE);
    assert_eq!(SLAB_POSITIONS_OFFSET, 8 + BOOK_HEADER_SIZE);
    assert_eq!(MAX_ACCOUNT_SIZE, 10 * 1024 * 1024);
    let max = std::hint::black_box(MAX_SLAB_CAPACITY);
    assert!(max >= 100_000);
    assert!(slab_account_size(max) <= 10 * 1024 * 1024);
    // The largest capacity that fits: one more does not.
    assert!(slab_account_size(MAX_SLAB_CAPACITY + 1) > MAX_ACCOUNT_SIZE);
    assert_eq!(slab_account_size(N as usize), 8 + 112 + 100_000 * 104);
    assert_eq!(slab_account_size(1), book_account_size(1, POSITION_SIZE));
    // Lot books obey the same limit.
    assert!(lot_book_account_size(MAX_LOT_CAPACITY) <= MAX_ACCOUNT_SIZE);
    assert!(lot_book_account_size(MAX_LOT_CAPACITY + 1) > MAX_ACCOUNT_SIZE);
}

#[test]
fn full_slab_fill_free_refill() {
    let mut words = new_book(N, POSITION_SIZE, 0);
    let mut v = slab(&mut words);
    assert_eq!(v.entries.len(), N as usize);
    assert_eq!(
        (v.header.used, v.header.next_unused, v.header.free_head),
        (0, 0, NONE)
    );

    // Fill: fresh entries come from the high-water mark, in order, generation 0.
    for i in 0..N {
        assert_eq!(v.alloc(), Ok((i, 0)));
        assert_eq!((v.header.used, v.header.next_unused), (i + 1, i + 1));
        let p = v.get_mut(i, 0).unwrap();
        assert!(p.in_use() && p.flags == POSITION_IN_USE);
        // Give each position some state, to check it is wiped on reuse.
        p.collateral_native = i as u64 + 1;
        p.debt_shares = 7;
        p.owner = Pubkey::new_from_array([1; 32]);
        p.flags |= POSITION_IN_EPISODE;
    }
    assert_eq!(v.alloc(), Err(BookError::Full));
    assert_eq!(
        (v.header.used, v.header.next_unused, v.header.free_head),
        (N, N, NONE)
    );

    // Free everything in a random order.
    let order = shuffled(N, 0x5eed_0f50_f711_a000);
    for (k, &i) in order.iter().enumerate() {
        assert_eq!(v.get_mut(i, 0).unwrap().collateral_native, i as u64 + 1);
        assert_eq!(v.free(i, 0), Ok(()));
        assert_eq!(v.header.used, N - 1 - k as u32);
        assert_eq!(v.header.free_head, i);
        // Released: not in use, generation bumped, no stale reference works.
        let e = &v.entries[i as usize];
        assert!(!e.in_use());
        assert_eq!(
            (e.generation, e.collateral_native, e.owner),
            (1, 0, Pubkey::default())
        );
        assert_eq!(v.get_mut(i, 0).err(), Some(BookError::NotInUse));
        assert_eq!(v.get_mut(i, 1).err(), Some(BookError::NotInUse));
        assert_eq!(v.free(i, 0), Err(BookError::NotInUse));
    }
    assert_eq!((v.header.used, v.header.next_unused), (0, N));

    // Refill through the free list: most recently freed first, each index
    // exactly once, generation bumped by exactly one, entries wiped.
    let mut seen = vec![false; N as usize];
    for (k, &i) in order.iter().rev().enumerate() {
        let (index, generation) = v.alloc().unwrap();
        assert_eq!(index, i);
        assert!(!seen[index as usize]);
        seen[index as usize] = true;
        assert_eq!(generation, 1);
        assert_eq!(v.header.used, k as u32 + 1);
        assert_eq!(v.header.next_unused, N);
        let p = v.get_mut(index, generation).unwrap();
        assert_eq!(*p, Position::fresh(1));
        assert!(!p.in_episode());
    }
    assert!(seen.iter().all(|s| *s));
    assert_eq!(v.alloc(), Err(BookError::Full));
    assert_eq!(
        (v.header.used, v.header.next_unused, v.header.free_head),
        (N, N, NONE)
    );

    // Stale, current and out-of-range references.
    for &i in order.iter().step_by(997) {
        assert_eq!(v.get_mut(i, 0).err(), Some(BookError::StaleGeneration));
        assert_eq!(v.free(i, 0), Err(BookError::StaleGeneration));
        assert_eq!(v.get_mut(i, 2).err(), Some(BookError::StaleGeneration));
        assert!(v.get_mut(i, 1).is_ok());
    }
    assert_eq!(v.get_mut(N, 1).err(), Some(BookError::BadIndex));
    assert_eq!(v.get_mut(u32::MAX, 0).err(), Some(BookError::BadIndex));
    assert_eq!(v.free(N, 0), Err(BookError::BadIndex));
    assert_eq!(v.header.used, N);
}

#[test]
fn generation_wraps_on_release() {
    let mut words = new_book(4, POSITION_SIZE, 0);
    let mut v = slab(&mut words);
    let (i, g) = v.alloc().unwrap();
    v.get_mut(i, g).unwrap().generation = u32::MAX;
    v.free(i, u32::MAX).unwrap();
    assert_eq!(v.alloc(), Ok((i, 0)));
}

#[test]
fn layout_errors() {
    // Shorter than the header.
    let mut short = vec![0u64; BOOK_HEADER_SIZE / 8 - 1];
    assert_eq!(
        SlabView::from_bytes(bytemuck::cast_slice_mut(&mut short)).err(),
        Some(BookError::Layout)
    );
    // Header claims more entries than the buffer holds.
    let mut words = new_book(10, POSITION_SIZE, 0);
    let len = words.len();
    let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..len - 1]);
    assert_eq!(SlabView::from_bytes(buf).err(), Some(BookError::Layout));
    // A free list pointing at an entry in use is detected, not followed.
    let mut words = new_book(4, POSITION_SIZE, 0);
    let mut v = slab(&mut words);
    v.alloc().unwrap();
    v.header.free_head = 0;
    assert_eq!(v.alloc(), Err(BookError::Layout));
    // A free list pointing out of range too.
    v.header.free_head = 99;
    assert_eq!(v.alloc(), Err(BookError::Layout));
    // Extra bytes after the entries are ignored.
    let mut words = new_book(3, POSITION_SIZE, 0);
    words.extend([0u64; 5]);
    assert_eq!(slab(&mut words).entries.len(), 3);
}

#[test]
fn off_chain_reader_sees_the_view_writes() {
    // A whole account: 8-byte discriminator, header, positions.
    let mut words = new_book(16, POSITION_SIZE, 8);
    {
        let body = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut words)[8..];
        let mut v = SlabView::from_bytes(body).unwrap();
        for _ in 0..5 {
            v.alloc().unwrap();
        }
        v.free(2, 0).unwrap();
        v.get_mut(4, 0).unwrap().collateral_native = 42;
    }
    let data: &[u8] = bytemuck::cast_slice(&words);
    assert_eq!(data.len(), slab_account_size(16));
    let (h, entries) = entries_of::<Position>(data).unwrap();
    assert_eq!(
        (h.capacity, h.used, h.next_unused, h.free_head),
        (16, 4, 5, 2)
    );
    assert_eq!(entries.len(), 16);
    assert_eq!(entries[4].collateral_native, 42);
    assert!(!entries[2].in_use() && entries[2].generation == 1);
    assert!(entries_of::<Position>(&data[..data.len() - 1]).is_none());
}

#[test]
fn lot_book_shares_the_mechanics() {
    let mut words = new_book(8, LOT_SIZE, 0);
    let mut v = LotView::from_bytes(bytemuck::cast_slice_mut(&mut words)).unwrap();
    for i in 0..8 {
        assert_eq!(v.alloc(), Ok((i, 0)));
    }
    assert_eq!(v.alloc(), Err(BookError::Full));
    v.get_mut(5, 0).unwrap().tab_debt_native = 9;
    v.free(5, 0).unwrap();
    assert_eq!(v.alloc(), Ok((5, 1)));
    assert_eq!(*v.get_mut(5, 1).unwrap(), Lot::fresh(1));
    assert_eq!(v.get_mut(5, 0).err(), Some(BookError::StaleGeneration));
}

#[derive(Clone, Debug)]
enum Op {
    Alloc,
    /// Free the k-th live entry (mod the number live).
    Free(usize),
    /// Free the k-th live entry with a stale generation.
    FreeStale(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => Just(Op::Alloc),
            2 => any::<usize>().prop_map(Op::Free),
            1 => any::<usize>().prop_map(Op::FreeStale),
        ],
        1..400,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Against a model: the book hands out each index at most once while live,
    /// counts exactly, bumps a generation by one per release, fills the
    /// high-water mark only when the free list is empty, and is full exactly
    /// at capacity.
    #[test]
    fn matches_model(capacity in 1u32..=64, ops in ops()) {
        let mut words = new_book(capacity, POSITION_SIZE, 0);
        let mut v = slab(&mut words);
        let mut live: BTreeMap<u32, u32> = BTreeMap::new();
        let mut generation = vec![0u32; capacity as usize];
        let mut freed: Vec<u32> = Vec::new(); // the free list, top last
        let mut next_unused = 0u32;
        for op in ops {
            match op {
                Op::Alloc => {
                    let got = v.alloc();
                    if let Some(i) = freed.pop() {
                        prop_assert_eq!(got, Ok((i, generation[i as usize])));
                    } else if next_unused < capacity {
                        prop_assert_eq!(got, Ok((next_unused, 0)));
                        next_unused += 1;
                    } else {
                        prop_assert_eq!(got, Err(BookError::Full));
                        prop_assert_eq!(live.len(), capacity as usize);
                        continue;
                    }
                    let (i, g) = got.unwrap();
                    prop_assert!(live.insert(i, g).is_none(), "index {} handed out twice", i);
                }
                Op::Free(k) | Op::FreeStale(k) if live.is_empty() => {
                    let i = (k % capacity as usize) as u32;
                    prop_assert_eq!(v.free(i, generation[i as usize]), Err(BookError::NotInUse));
                }
                Op::Free(k) => {
                    let (&i, &g) = live.iter().nth(k % live.len()).unwrap();
                    prop_assert_eq!(v.free(i, g), Ok(()));
                    live.remove(&i);
                    generation[i as usize] = g.wrapping_add(1);
                    freed.push(i);
                    prop_assert_eq!(v.get_mut(i, g).err(), Some(BookError::NotInUse));
                }
                Op::FreeStale(k) => {
                    let (&i, &g) = live.iter().nth(k % live.len()).unwrap();
                    prop_assert_eq!(v.free(i, g.wrapping_sub(1)), Err(BookError::StaleGeneration));
                }
            }
            prop_assert_eq!(v.header.used as usize, live.len());
            prop_assert_eq!(v.header.next_unused, next_unused);
            prop_assert_eq!(v.header.free_head, freed.last().copied().unwrap_or(NONE));
        }
        for (&i, &g) in &live {
            prop_assert!(v.get_mut(i, g).is_ok());
        }
        prop_assert_eq!(v.get_mut(capacity, 0).err(), Some(BookError::BadIndex));
    }
}
