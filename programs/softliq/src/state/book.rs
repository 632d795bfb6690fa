//! A fixed-capacity array of entries behind a header, with a free list threaded
//! through released entries and a high-water mark, so a new book needs no
//! O(capacity) initialisation. Used by position slabs and lot books.
use anchor_lang::prelude::*;
use bytemuck::Pod;

pub const NONE: u32 = u32::MAX;

/// Header shared by position slabs and lot books. ABI: 112 bytes.
#[zero_copy]
#[derive(Debug, Default)]
pub struct BookHeader {
    pub market: Pubkey,
    pub capacity: u32,
    /// Entries in use.
    pub used: u32,
    /// Head of the free list of released entries (NONE if empty).
    pub free_head: u32,
    /// Entries `[0, next_unused)` have been handed out at least once.
    pub next_unused: u32,
    pub reserved: [u64; 8],
}
pub const BOOK_HEADER_SIZE: usize = 112;
const _: () = assert!(core::mem::size_of::<BookHeader>() == BOOK_HEADER_SIZE);

/// An entry of a book: in-use flag, generation, free-list link.
pub trait BookEntry: Pod {
    fn in_use(&self) -> bool;
    fn generation(&self) -> u32;
    fn next_free(&self) -> u32;
    /// A fresh in-use entry keeping `generation`.
    fn fresh(generation: u32) -> Self;
    /// A released entry with `generation` linking to `next_free`.
    fn released(generation: u32, next_free: u32) -> Self;
}

/// `BookEntry` for a zero-copy entry type with `flags`, `generation` and
/// `next_free` fields and a `Default`: in use while `$in_use` is set in its
/// flags; a fresh or released entry is otherwise all zeros.
#[macro_export]
macro_rules! impl_book_entry {
    ($t:ty, $in_use:expr) => {
        impl $crate::state::book::BookEntry for $t {
            fn in_use(&self) -> bool {
                self.flags & $in_use != 0
            }
            fn generation(&self) -> u32 {
                self.generation
            }
            fn next_free(&self) -> u32 {
                self.next_free
            }
            fn fresh(generation: u32) -> Self {
                Self {
                    generation,
                    flags: $in_use,
                    next_free: $crate::state::NONE,
                    ..Self::default()
                }
            }
            fn released(generation: u32, next_free: u32) -> Self {
                Self {
                    generation,
                    next_free,
                    ..Self::default()
                }
            }
        }
    };
}

/// Errors of the pure book view (mapped to program errors by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookError {
    Full,
    BadIndex,
    NotInUse,
    StaleGeneration,
    Layout,
}

/// A mutable zero-copy view over raw account bytes (after the discriminator).
pub struct BookView<'a, T: BookEntry> {
    pub header: &'a mut BookHeader,
    pub entries: &'a mut [T],
}

impl<'a, T: BookEntry> BookView<'a, T> {
    pub fn from_bytes(data: &'a mut [u8]) -> core::result::Result<Self, BookError> {
        if data.len() < BOOK_HEADER_SIZE {
            return Err(BookError::Layout);
        }
        let (h, rest) = data.split_at_mut(BOOK_HEADER_SIZE);
        let header: &mut BookHeader =
            bytemuck::try_from_bytes_mut(h).map_err(|_| BookError::Layout)?;
        let need = (header.capacity as usize)
            .checked_mul(core::mem::size_of::<T>())
            .ok_or(BookError::Layout)?;
        let body = rest.get_mut(..need).ok_or(BookError::Layout)?;
        let entries: &mut [T] =
            bytemuck::try_cast_slice_mut(body).map_err(|_| BookError::Layout)?;
        Ok(Self { header, entries })
    }

    /// Takes a free entry (free list first, then the high-water mark).
    pub fn alloc(&mut self) -> core::result::Result<(u32, u32), BookError> {
        let index = if self.header.free_head != NONE {
            let i = self.header.free_head;
            let e = self.entries.get(i as usize).ok_or(BookError::Layout)?;
            if e.in_use() {
                return Err(BookError::Layout);
            }
            self.header.free_head = e.next_free();
            i
        } else if self.header.next_unused < self.header.capacity {
            let i = self.header.next_unused;
            self.header.next_unused = i.checked_add(1).ok_or(BookError::Full)?;
            i
        } else {
            return Err(BookError::Full);
        };
        let e = self
            .entries
            .get_mut(index as usize)
            .ok_or(BookError::Layout)?;
        let generation = e.generation();
        *e = T::fresh(generation);
        self.header.used = self.header.used.checked_add(1).ok_or(BookError::Full)?;
        Ok((index, generation))
    }

    /// Releases an entry: bumps its generation, pushes it on the free list.
    pub fn free(&mut self, index: u32, generation: u32) -> core::result::Result<(), BookError> {
        let head = self.header.free_head;
        let e = self.get_mut(index, generation)?;
        *e = T::released(generation.wrapping_add(1), head);
        self.header.free_head = index;
        self.header.used = self.header.used.checked_sub(1).ok_or(BookError::Layout)?;
        Ok(())
    }

    /// The in-use entry at `(index, generation)`.
    pub fn get_mut(
        &mut self,
        index: u32,
        generation: u32,
    ) -> core::result::Result<&mut T, BookError> {
        let e = self
            .entries
            .get_mut(index as usize)
            .ok_or(BookError::BadIndex)?;
        if !e.in_use() {
            return Err(BookError::NotInUse);
        }
        if e.generation() != generation {
            return Err(BookError::StaleGeneration);
        }
        Ok(e)
    }
}

/// Read-only view of a whole account (with discriminator) for off-chain scanners.
pub fn entries_of<T: BookEntry>(data: &[u8]) -> Option<(&BookHeader, &[T])> {
    let body = data.get(8..)?;
    let h = body.get(..BOOK_HEADER_SIZE)?;
    let header: &BookHeader = bytemuck::try_from_bytes(h).ok()?;
    let need = (header.capacity as usize).checked_mul(core::mem::size_of::<T>())?;
    let rest = body.get(BOOK_HEADER_SIZE..)?.get(..need)?;
    let entries: &[T] = bytemuck::try_cast_slice(rest).ok()?;
    Some((header, entries))
}

/// The in-use entries of a whole book account, with their index, among the
/// entries ever used (`0..next_unused`); none when the account does not parse.
/// What keepers, the test harness and the simulator read a book with.
pub fn in_use_entries<T: BookEntry>(data: &[u8]) -> impl Iterator<Item = (u32, &T)> {
    let entries = entries_of::<T>(data).map_or(&[][..], |(header, entries)| {
        &entries[..(header.next_unused as usize).min(entries.len())]
    });
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.in_use())
        .map(|(i, e)| (i as u32, e))
}

/// Account size of a book of `capacity` entries of `entry_size` bytes.
/// (Saturates: a capacity that large is refused by the caller's bound check.)
pub const fn book_account_size(capacity: usize, entry_size: usize) -> usize {
    capacity
        .saturating_mul(entry_size)
        .saturating_add(8 + BOOK_HEADER_SIZE)
}

/// Largest account Solana allows.
pub const MAX_ACCOUNT_SIZE: usize = 10 * 1024 * 1024;
