//! The bank: program-test context, the program as a native builtin, sending
//! transactions and reading accounts.
use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_account::{Account, AccountSharedData};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;

/// Forwards to Anchor's `entry` with the lifetimes it wants: Anchor 1.x's
/// generated `entry` takes one lifetime for the program id, the account
/// slice and the data, which `processor!` does not give; re-inferring the
/// slice's lifetime here bridges the two.
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: the account infos live for the whole instruction; Anchor's
    // `entry` only needs one lifetime for the slice and its elements.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    let (r, used) = crate::heap::measure(|| softliq::entry(program_id, accounts, data));
    crate::heap::record(data, used);
    r
}

/// Why a transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxError {
    /// A program's custom error code (Anchor: 6000 + index of `SoftliqError`).
    Custom(u32),
    /// Anything else, as text.
    Other(String),
}

impl TxError {
    /// The custom code or a panic with the error text.
    pub fn code(&self) -> u32 {
        match self {
            TxError::Custom(c) => *c,
            TxError::Other(s) => panic!("expected a custom error, got {s}"),
        }
    }
}

/// Anchor code of a softliq error.
pub fn code_of(e: softliq::error::SoftliqError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// Where the SBF build puts the program (scripts/build-sbf.sh).
pub fn sbf_program_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/sbf")
}

/// Whether this process runs the program as SBF in the VM (`SOFTLIQ_SBF=1`)
/// rather than as a native builtin.
pub fn sbf_mode() -> bool {
    std::env::var_os("SOFTLIQ_SBF").is_some_and(|v| v != "0")
}

pub struct Bank {
    pub ctx: ProgramTestContext,
    /// The program runs as `target/sbf/softliq.so` in the VM.
    pub sbf: bool,
    /// Log messages of the last transaction (successful or not).
    pub last_logs: Vec<String>,
    /// Compute units the last transaction consumed.
    pub last_cu: u64,
    /// Transactions sent (successful or not).
    pub tx_count: u64,
}

impl Bank {
    /// A bank with the program native, or as SBF when `SOFTLIQ_SBF=1`.
    pub async fn start() -> Self {
        Self::start_with(sbf_mode()).await
    }

    /// A bank running the program as SBF (`sbf`: from `target/sbf/softliq.so`,
    /// built by scripts/build-sbf.sh) or as a native builtin.
    pub async fn start_with(sbf: bool) -> Self {
        let mut pt = if sbf {
            let dir = sbf_program_dir();
            assert!(
                dir.join("softliq.so").is_file(),
                "{}/softliq.so is missing: run scripts/build-sbf.sh",
                dir.display()
            );
            // solana-program-test looks for `softliq.so` under SBF_OUT_DIR.
            std::env::set_var("SBF_OUT_DIR", &dir);
            let mut pt = ProgramTest::new("softliq", softliq::ID, None);
            pt.prefer_bpf(true);
            pt
        } else {
            let mut pt = ProgramTest::new(
                "softliq",
                softliq::ID,
                solana_program_test::processor!(process),
            );
            pt.prefer_bpf(false);
            pt
        };
        pt.set_compute_max_units(1_400_000);
        let ctx = pt.start_with_context().await;
        Self {
            ctx,
            sbf,
            last_logs: vec![],
            last_cu: 0,
            tx_count: 0,
        }
    }

    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Sends instructions signed by the payer and `signers`.
    ///
    /// A transaction refused with `AccountInUse` is sent again, a few times:
    /// that error comes from the bank's account locks before anything runs
    /// (nothing was executed or charged), and the test bank has been seen to
    /// return it once in many runs for a transaction with no concurrent
    /// writer (tests/tests/cases/test_redteam.rs, SBF re-run). No test
    /// expects it, so a retry can hide no result.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), TxError> {
        const TRIES: usize = 3;
        let mut res = self.send_once(ixs, signers).await;
        for _ in 1..TRIES {
            if !matches!(&res, Err(TxError::Other(m)) if m.contains("AccountInUse")) {
                break;
            }
            res = self.send_once(ixs, signers).await;
        }
        res
    }

    async fn send_once(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TxError> {
        self.tx_count += 1;
        let blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(|e| TxError::Other(e.to_string()))?;
        let mut all: Vec<&Keypair> = vec![&self.ctx.payer];
        all.extend_from_slice(signers);
        // A compute-unit price unique to this transaction: identical
        // instructions sent twice within one blockhash are not deduplicated.
        let mut with_nonce = ixs.to_vec();
        with_nonce.push(unique_price_ix(self.tx_count));
        let tx = Transaction::new_signed_with_payer(
            &with_nonce,
            Some(&self.ctx.payer.pubkey()),
            &all,
            blockhash,
        );
        let res = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .map_err(|e| TxError::Other(e.to_string()))?;
        if let Some(meta) = &res.metadata {
            self.last_logs = meta.log_messages.clone();
            self.last_cu = meta.compute_units_consumed;
        }
        match res.result {
            Ok(()) => Ok(()),
            Err(e) => Err(classify(BanksClientError::TransactionError(e))),
        }
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.ok().flatten()
    }

    pub async fn data(&mut self, key: &Pubkey) -> Vec<u8> {
        self.account(key).await.map(|a| a.data).unwrap_or_default()
    }

    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        self.ctx.set_account(key, &AccountSharedData::from(account));
    }

    pub async fn clock(&mut self) -> anchor_lang::prelude::Clock {
        self.ctx.banks_client.get_sysvar().await.expect("clock")
    }

    /// Moves to `slot` (and advances the clock's unix time by 400 ms a slot).
    pub async fn warp_to(&mut self, slot: u64) {
        let before = self.clock().await;
        if slot > before.slot {
            self.ctx.warp_to_slot(slot).expect("warp");
        }
        let mut c = self.clock().await;
        let dt = (slot.saturating_sub(before.slot) * 2 / 5) as i64;
        c.unix_timestamp = before.unix_timestamp + dt;
        self.ctx.set_sysvar(&c);
    }

    /// Sets the clock's unix time (fixtures: the market records oracle
    /// publish times, which follow the clock).
    pub async fn set_unix_timestamp(&mut self, ts: i64) {
        let mut c = self.clock().await;
        c.unix_timestamp = ts;
        self.ctx.set_sysvar(&c);
    }

    pub async fn slot(&mut self) -> u64 {
        self.clock().await.slot
    }

    /// Rent-exempt minimum for `len` bytes.
    pub async fn rent(&mut self, len: usize) -> u64 {
        let rent: anchor_lang::prelude::Rent =
            self.ctx.banks_client.get_sysvar().await.expect("rent");
        rent.minimum_balance(len)
    }
}

/// `ComputeBudgetInstruction::SetComputeUnitPrice(n)` built by hand.
fn unique_price_ix(n: u64) -> Instruction {
    let mut data = vec![3u8];
    data.extend_from_slice(&n.to_le_bytes());
    Instruction {
        program_id: anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data,
    }
}

fn classify(e: BanksClientError) -> TxError {
    use solana_instruction::error::InstructionError;
    if let BanksClientError::TransactionError(
        solana_transaction_error::TransactionError::InstructionError(
            _,
            InstructionError::Custom(code),
        ),
    ) = &e
    {
        return TxError::Custom(*code);
    }
    TxError::Other(format!("{e:?}"))
}
