//! Where the keeper reads accounts and sends transactions: one trait, two
//! implementations — [`rpc::Rpc`] (a cluster through `solana-rpc-client`)
//! and [`in_process::InProcess`] (the test harness's `solana-program-test`
//! bank, feature `in-process`).
use anchor_lang::prelude::Pubkey;
use indicatif::ProgressBar;
use softliq::state::{BookHeader, BOOK_HEADER_SIZE};
use solana_account::Account;
use solana_instruction::Instruction;

#[cfg(feature = "in-process")]
pub mod in_process;
pub mod rpc;

#[cfg(feature = "in-process")]
pub use in_process::InProcess;
pub use rpc::Rpc;

/// A read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("rpc: {0}")]
    Rpc(String),
    #[error("account {0} not found")]
    NotFound(Pubkey),
    #[error("account {0}: {1}")]
    Layout(Pubkey, String),
}

/// A transaction failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The blockhash expired before the transaction landed: resend with a fresh one.
    #[error("blockhash expired")]
    BlockhashExpired,
    /// A program's custom error (softliq: 6000 + `SoftliqError` index).
    #[error("program error {0}")]
    Custom(u32),
    #[error("{0}")]
    Other(String),
}

/// The cluster's clock (what the program's guards see).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainClock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

impl ChainClock {
    /// Parses the `Clock` sysvar account (slot, epoch_start_timestamp, epoch,
    /// leader_schedule_epoch, unix_timestamp; little-endian).
    pub fn from_sysvar(data: &[u8]) -> Option<Self> {
        let u = |o: usize| {
            data.get(o..o + 8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        };
        Some(Self {
            slot: u(0)?,
            unix_timestamp: u(32)? as i64,
        })
    }
}

/// Reads and sends for the keeper. Every method takes `&mut self` (the
/// in-process bank needs it); the futures are awaited in place.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// The key that signs the keeper's instructions (keeper, taker, caller).
    fn keeper(&self) -> Pubkey;

    /// The account at `key`, if any.
    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, BackendError>;

    /// `len` bytes of the account's data from `offset` (fewer at its end).
    async fn account_range(
        &mut self,
        key: &Pubkey,
        offset: usize,
        len: usize,
    ) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.account(key).await?.map(|a| {
            let end = offset.saturating_add(len).min(a.data.len());
            a.data
                .get(offset.min(end)..end)
                .unwrap_or_default()
                .to_vec()
        }))
    }

    /// Whether [`Backend::account_range`] reads only the range (so that large
    /// accounts are better read in chunks).
    fn ranged_reads(&self) -> bool {
        false
    }

    /// The current slot.
    async fn slot(&mut self) -> Result<u64, BackendError>;

    /// The current clock.
    async fn clock(&mut self) -> Result<ChainClock, BackendError>;

    /// Sends `ixs` in one transaction signed by the keeper, and waits until it
    /// has landed or failed.
    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), SendError>;

    /// The position slabs of `market`.
    async fn slabs_of(&mut self, market: &Pubkey) -> Result<Vec<Pubkey>, BackendError>;
}

/// Account bytes in 8-byte-aligned storage, so zero-copy views of them never
/// fail on alignment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountBytes {
    words: Vec<u64>,
    len: usize,
}

impl AccountBytes {
    pub fn zeroed(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(8)],
            len,
        }
    }
    pub fn from_slice(data: &[u8]) -> Self {
        let mut b = Self::zeroed(data.len());
        b.as_mut().copy_from_slice(data);
        b
    }
}

impl std::ops::Deref for AccountBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }
}

impl AsMut<[u8]> for AccountBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.words)[..self.len]
    }
}

/// Bytes read per request when a backend reads ranges.
pub const READ_CHUNK: usize = 1 << 20;

/// Reads a book account (slab or lot book: discriminator, header, `capacity`
/// entries of `entry_size` bytes). With ranged reads only the entries ever
/// handed out (`next_unused`) are fetched, in chunks, advancing `progress` by
/// bytes; the rest stays zero, as never-used entries are. `None` if absent.
pub async fn read_book<B: Backend + ?Sized>(
    b: &mut B,
    key: &Pubkey,
    entry_size: usize,
    progress: Option<&ProgressBar>,
) -> Result<Option<AccountBytes>, BackendError> {
    const HEAD: usize = 8 + BOOK_HEADER_SIZE;
    if !b.ranged_reads() {
        let Some(a) = b.account(key).await? else {
            return Ok(None);
        };
        if let Some(p) = progress {
            p.inc_length(a.data.len() as u64);
            p.inc(a.data.len() as u64);
        }
        return Ok(Some(AccountBytes::from_slice(&a.data)));
    }
    let Some(head) = b.account_range(key, 0, HEAD).await? else {
        return Ok(None);
    };
    if head.len() < HEAD {
        return Err(BackendError::Layout(
            *key,
            "shorter than a book header".into(),
        ));
    }
    let h: BookHeader = bytemuck::pod_read_unaligned(&head[8..HEAD]);
    let total = HEAD + h.capacity as usize * entry_size;
    let need = HEAD + (h.next_unused.min(h.capacity) as usize) * entry_size;
    let mut out = AccountBytes::zeroed(total);
    out.as_mut()[..HEAD].copy_from_slice(&head);
    if let Some(p) = progress {
        p.inc_length((need - HEAD) as u64);
    }
    let mut off = HEAD;
    while off < need {
        let len = READ_CHUNK.min(need - off);
        let chunk = b
            .account_range(key, off, len)
            .await?
            .ok_or(BackendError::NotFound(*key))?;
        if chunk.len() != len {
            return Err(BackendError::Layout(
                *key,
                format!("short read at {off}: {} of {len} bytes", chunk.len()),
            ));
        }
        out.as_mut()[off..off + len].copy_from_slice(&chunk);
        off += len;
        if let Some(p) = progress {
            p.inc(len as u64);
        }
    }
    Ok(Some(out))
}

/// Sends `ixs`, resending with a fresh blockhash (each `send` takes one) up
/// to `retries` times when the blockhash expires. Returns the attempts made.
pub async fn send_with_retry<B: Backend + ?Sized>(
    b: &mut B,
    ixs: &[Instruction],
    retries: u32,
) -> Result<u32, SendError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match b.send(ixs).await {
            Ok(()) => return Ok(attempt),
            Err(SendError::BlockhashExpired) if attempt <= retries => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backend over a map of accounts that expires the first `expire` sends.
    struct Fake {
        accounts: std::collections::HashMap<Pubkey, Account>,
        expire: u32,
        sends: u32,
        ranged: bool,
        reads: Vec<(usize, usize)>,
    }

    impl Backend for Fake {
        fn keeper(&self) -> Pubkey {
            Pubkey::default()
        }
        async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, BackendError> {
            Ok(self.accounts.get(key).cloned())
        }
        async fn account_range(
            &mut self,
            key: &Pubkey,
            offset: usize,
            len: usize,
        ) -> Result<Option<Vec<u8>>, BackendError> {
            self.reads.push((offset, len));
            Ok(self
                .accounts
                .get(key)
                .map(|a| a.data[offset..(offset + len).min(a.data.len())].to_vec()))
        }
        fn ranged_reads(&self) -> bool {
            self.ranged
        }
        async fn slot(&mut self) -> Result<u64, BackendError> {
            Ok(1)
        }
        async fn clock(&mut self) -> Result<ChainClock, BackendError> {
            Ok(ChainClock {
                slot: 1,
                unix_timestamp: 0,
            })
        }
        async fn send(&mut self, _: &[Instruction]) -> Result<(), SendError> {
            self.sends += 1;
            if self.sends <= self.expire {
                Err(SendError::BlockhashExpired)
            } else {
                Ok(())
            }
        }
        async fn slabs_of(&mut self, _: &Pubkey) -> Result<Vec<Pubkey>, BackendError> {
            Ok(vec![])
        }
    }

    fn fake(expire: u32, ranged: bool) -> Fake {
        Fake {
            accounts: Default::default(),
            expire,
            sends: 0,
            ranged,
            reads: vec![],
        }
    }

    #[tokio::test]
    async fn retries_only_on_expiry() {
        let mut f = fake(2, false);
        assert_eq!(send_with_retry(&mut f, &[], 3).await, Ok(3));
        let mut f = fake(5, false);
        assert_eq!(
            send_with_retry(&mut f, &[], 2).await,
            Err(SendError::BlockhashExpired)
        );
        assert_eq!(f.sends, 3);
    }

    #[tokio::test]
    async fn chunked_book_reads_equal_the_account() {
        use crate::scan::tests::{pos, slab_bytes};
        let positions: Vec<_> = (0..30_000).map(|i| pos(1 + i, i, 0)).collect();
        let key = Pubkey::new_unique();
        let data = slab_bytes(Pubkey::new_unique(), &positions);
        let account = Account {
            lamports: 1,
            data: data.clone(),
            owner: softliq::ID,
            executable: false,
            rent_epoch: 0,
        };
        for ranged in [false, true] {
            let mut f = fake(0, ranged);
            f.accounts.insert(key, account.clone());
            let bar =
                ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::hidden());
            let got = read_book(&mut f, &key, 104, Some(&bar))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&got[..], &data[..]);
            assert_eq!(bar.position(), bar.length().unwrap());
            if ranged {
                // Header, then ceil(30_000 × 104 / 1 MiB) = 3 chunks.
                assert_eq!(f.reads.len(), 4);
            }
            assert_eq!(
                read_book(&mut f, &Pubkey::new_unique(), 104, None)
                    .await
                    .unwrap(),
                None
            );
        }
        assert_eq!(ChainClock::from_sysvar(&[0; 39]), None);
    }
}
