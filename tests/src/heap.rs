//! Heap measurement of each instruction handler. A binary that installs
//! [`CountingAlloc`] as its global allocator gets, for every softliq
//! instruction the bank runs, the peak heap the handler used above what was
//! allocated when it started (per thread, so the bank's own work on other
//! threads is not counted). SBF gives a program 32 KiB of heap.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Mutex;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// Counts live bytes and the peak per thread.
pub struct CountingAlloc;

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = CURRENT.try_with(|c| {
                let v = c.get().saturating_add(layout.size());
                c.set(v);
                let _ = PEAK.try_with(|pk| pk.set(pk.get().max(v)));
            });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        let _ = CURRENT.try_with(|c| c.set(c.get().saturating_sub(layout.size())));
    }
}

static PEAKS: Mutex<BTreeMap<[u8; 8], usize>> = Mutex::new(BTreeMap::new());

/// Runs `f`, returning its result and the peak heap it used on this thread.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.with(|c| c.get());
    PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(|p| p.get()).saturating_sub(base);
    (r, peak)
}

/// Records a handler's peak under its instruction discriminator.
pub fn record(data: &[u8], peak: usize) {
    let mut d = [0u8; 8];
    if let Some(s) = data.get(..8) {
        d.copy_from_slice(s);
    }
    let mut m = PEAKS.lock().unwrap_or_else(|e| e.into_inner());
    let e = m.entry(d).or_insert(0);
    *e = (*e).max(peak);
}

/// Peak heap seen for an instruction discriminator (0 when not measured).
pub fn peak_of(discriminator: &[u8]) -> usize {
    let mut d = [0u8; 8];
    d.copy_from_slice(&discriminator[..8]);
    PEAKS
        .lock()
        .map(|m| m.get(&d).copied().unwrap_or(0))
        .unwrap_or(0)
}

/// Forgets recorded peaks.
pub fn reset() {
    if let Ok(mut m) = PEAKS.lock() {
        m.clear();
    }
}
