//! The in-process backend: the test harness's `solana-program-test` bank
//! running the real program natively. With a `TestMarket` attached, the
//! harness's invariant checker runs after every successful transaction.
use anchor_lang::prelude::Pubkey;
use harness::{Bank, TestMarket, TxError};
use solana_account::Account;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{Backend, BackendError, ChainClock, SendError};

/// A keeper's view of a [`Bank`]: the bank's payer pays, `keeper` signs.
pub struct InProcess<'a> {
    pub bank: &'a mut Bank,
    /// Checked after every successful send, and the source of the slab list.
    pub market: Option<&'a mut TestMarket>,
    keeper: Keypair,
    slabs: Vec<Pubkey>,
}

impl<'a> InProcess<'a> {
    /// A backend signing with `keeper` (the bank's payer pays the fees).
    pub fn new(bank: &'a mut Bank, keeper: &Keypair) -> Self {
        Self {
            bank,
            market: None,
            keeper: keeper.insecure_clone(),
            slabs: Vec::new(),
        }
    }

    /// Runs the harness's invariant checker after every successful
    /// transaction, and lists the market's slabs from `tm`.
    pub fn with_market(mut self, tm: &'a mut TestMarket) -> Self {
        self.market = Some(tm);
        self
    }

    /// The slabs [`Backend::slabs_of`] returns when no `TestMarket` is attached.
    pub fn with_slabs(mut self, slabs: Vec<Pubkey>) -> Self {
        self.slabs = slabs;
        self
    }
}

/// Maps the harness's error to the keeper's.
pub fn send_error(e: TxError) -> SendError {
    match e {
        TxError::Custom(c) => SendError::Custom(c),
        TxError::Other(s) if s.contains("BlockhashNotFound") => SendError::BlockhashExpired,
        TxError::Other(s) => SendError::Other(s),
    }
}

impl Backend for InProcess<'_> {
    fn keeper(&self) -> Pubkey {
        self.keeper.pubkey()
    }

    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, BackendError> {
        Ok(self.bank.account(key).await)
    }

    async fn slot(&mut self) -> Result<u64, BackendError> {
        Ok(self.bank.slot().await)
    }

    async fn clock(&mut self) -> Result<ChainClock, BackendError> {
        let c = self.bank.clock().await;
        Ok(ChainClock {
            slot: c.slot,
            unix_timestamp: c.unix_timestamp,
        })
    }

    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), SendError> {
        // The bank's payer pays; the keeper signs when an instruction needs it
        // (`refresh_risk` needs no signer).
        let keeper = self.keeper.pubkey();
        let needed = ixs
            .iter()
            .flat_map(|ix| ix.accounts.iter())
            .any(|m| m.is_signer && m.pubkey == keeper);
        let signers: &[&Keypair] = if needed { &[&self.keeper] } else { &[] };
        self.bank.send(ixs, signers).await.map_err(send_error)?;
        if let Some(tm) = self.market.as_deref_mut() {
            tm.after(self.bank).await;
        }
        Ok(())
    }

    async fn slabs_of(&mut self, market: &Pubkey) -> Result<Vec<Pubkey>, BackendError> {
        match self.market.as_deref() {
            Some(tm) if tm.market == *market => Ok(tm.slabs.clone()),
            _ => Ok(self.slabs.clone()),
        }
    }
}
