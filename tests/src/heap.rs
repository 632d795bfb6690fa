//! Heap measurement of each instruction handler. A binary that installs
//! [`CountingAlloc`] as its global allocator gets, for every softliq
//! instruction the bank runs, the heap the handler consumed (per thread, so
//! the bank's own work on other threads is not counted). SBF gives a program
//! 32 KiB of heap through a bump allocator that never frees, so what counts is
//! every byte allocated during the call (each rounded up to its alignment),
//! not the peak of live bytes: a handler that allocates and frees 1 KiB per
//! entry runs out on SBF while its live peak stays flat.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Mutex;

thread_local! {
    /// Bytes allocated on this thread, never decreased (a bump allocator's use).
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

/// Counts the bytes allocated per thread (frees are not subtracted).
pub struct CountingAlloc;

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let rounded = layout.size().next_multiple_of(layout.align());
            let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(rounded)));
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
    }
}

static USED: Mutex<BTreeMap<[u8; 8], usize>> = Mutex::new(BTreeMap::new());

/// Runs `f`, returning its result and the heap it consumed on this thread as
/// a bump allocator would: every byte allocated, frees not given back.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = TOTAL.with(|t| t.get());
    let r = f();
    let used = TOTAL.with(|t| t.get()).saturating_sub(base);
    (r, used)
}

/// Records a handler's heap use under its instruction discriminator (the
/// most over its runs).
pub fn record(data: &[u8], used: usize) {
    let mut d = [0u8; 8];
    if let Some(s) = data.get(..8) {
        d.copy_from_slice(s);
    }
    let mut m = USED.lock().unwrap_or_else(|e| e.into_inner());
    let e = m.entry(d).or_insert(0);
    *e = (*e).max(used);
}

/// Most heap a run of the instruction with this discriminator used (0 when
/// not measured).
pub fn used_of(discriminator: &[u8]) -> usize {
    let mut d = [0u8; 8];
    d.copy_from_slice(&discriminator[..8]);
    USED.lock()
        .map(|m| m.get(&d).copied().unwrap_or(0))
        .unwrap_or(0)
}

/// Forgets recorded uses.
pub fn reset() {
    if let Ok(mut m) = USED.lock() {
        m.clear();
    }
}
