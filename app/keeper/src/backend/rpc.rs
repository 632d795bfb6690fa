//! The RPC backend: a cluster through `solana-rpc-client` (nonblocking).
//! Large accounts are read in ranges (`dataSlice`), slabs are found with
//! `getProgramAccounts` filtered by discriminator and market, transactions
//! are sent base64-encoded with preflight and confirmed by polling until the
//! blockhash expires.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use softliq::state::PositionSlab;
use solana_account::Account;
use solana_account_decoder_client_types::{UiAccountEncoding, UiDataSliceConfig};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::RpcClientConfig;
use solana_rpc_client::rpc_sender::RpcSender;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use super::{Backend, BackendError, ChainClock, SendError};

/// The `Clock` sysvar account.
pub const CLOCK_SYSVAR: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// A cluster reached over JSON-RPC, the keeper's keypair paying and signing.
pub struct Rpc {
    pub client: RpcClient,
    payer: Keypair,
    pub commitment: CommitmentConfig,
    /// Pause between signature-status polls.
    pub poll_interval: Duration,
}

impl Rpc {
    /// An HTTP client for `url` at `confirmed` commitment.
    pub fn new(url: impl Into<String>, payer: Keypair) -> Self {
        let commitment = CommitmentConfig::confirmed();
        Self::with_client(
            RpcClient::new_with_commitment(url.into(), commitment),
            payer,
            commitment,
        )
    }

    /// A client over any transport (tests record requests through this).
    pub fn with_sender(sender: impl RpcSender + Send + Sync + 'static, payer: Keypair) -> Self {
        let commitment = CommitmentConfig::confirmed();
        Self::with_client(
            RpcClient::new_sender(sender, RpcClientConfig::with_commitment(commitment)),
            payer,
            commitment,
        )
    }

    pub fn with_client(client: RpcClient, payer: Keypair, commitment: CommitmentConfig) -> Self {
        Self {
            client,
            payer,
            commitment,
            poll_interval: Duration::from_millis(400),
        }
    }

    fn account_config(&self, data_slice: Option<UiDataSliceConfig>) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            data_slice,
            commitment: Some(self.commitment),
            min_context_slot: None,
        }
    }

    /// The `sendTransaction` options used: base64, preflight at the backend's commitment.
    pub fn send_config(&self) -> RpcSendTransactionConfig {
        RpcSendTransactionConfig {
            skip_preflight: false,
            preflight_commitment: Some(self.commitment.commitment),
            encoding: Some(solana_rpc_client_api::config::UiTransactionEncoding::Base64),
            max_retries: None,
            min_context_slot: None,
        }
    }

    /// `getProgramAccounts` options listing the slabs of `market` (no data returned).
    pub fn slab_filter(&self, market: &Pubkey) -> RpcProgramAccountsConfig {
        RpcProgramAccountsConfig {
            filters: Some(vec![
                RpcFilterType::Memcmp(Memcmp::new_base58_encoded(0, PositionSlab::DISCRIMINATOR)),
                RpcFilterType::Memcmp(Memcmp::new_base58_encoded(8, market.as_ref())),
            ]),
            account_config: self.account_config(Some(UiDataSliceConfig {
                offset: 0,
                length: 0,
            })),
            with_context: None,
            sort_results: None,
        }
    }
}

fn rpc_err(e: ClientError) -> BackendError {
    BackendError::Rpc(e.to_string())
}

/// Classifies a client error: expiry, a program's custom error, or other.
pub fn classify(e: &ClientError) -> SendError {
    match e.get_transaction_error() {
        Some(tx) => classify_tx(&tx),
        None => SendError::Other(e.to_string()),
    }
}

fn classify_tx(e: &TransactionError) -> SendError {
    match e {
        TransactionError::BlockhashNotFound => SendError::BlockhashExpired,
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => SendError::Custom(*c),
        other => SendError::Other(other.to_string()),
    }
}

impl Backend for Rpc {
    fn keeper(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, BackendError> {
        let r = self
            .client
            .get_ui_account_with_config(key, self.account_config(None))
            .await
            .map_err(rpc_err)?;
        match r.value {
            None => Ok(None),
            Some(ui) => ui
                .decode::<Account>()
                .map(Some)
                .ok_or_else(|| BackendError::Layout(*key, "undecodable account data".into())),
        }
    }

    async fn account_range(
        &mut self,
        key: &Pubkey,
        offset: usize,
        len: usize,
    ) -> Result<Option<Vec<u8>>, BackendError> {
        let slice = UiDataSliceConfig {
            offset,
            length: len,
        };
        let r = self
            .client
            .get_ui_account_with_config(key, self.account_config(Some(slice)))
            .await
            .map_err(rpc_err)?;
        match r.value {
            None => Ok(None),
            Some(ui) => ui
                .data
                .decode()
                .map(Some)
                .ok_or_else(|| BackendError::Layout(*key, "undecodable account data".into())),
        }
    }

    fn ranged_reads(&self) -> bool {
        true
    }

    async fn slot(&mut self) -> Result<u64, BackendError> {
        self.client
            .get_slot_with_commitment(self.commitment)
            .await
            .map_err(rpc_err)
    }

    async fn clock(&mut self) -> Result<ChainClock, BackendError> {
        let key = CLOCK_SYSVAR;
        let a = self
            .account(&key)
            .await?
            .ok_or(BackendError::NotFound(key))?;
        ChainClock::from_sysvar(&a.data)
            .ok_or_else(|| BackendError::Layout(key, "short clock sysvar".into()))
    }

    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), SendError> {
        let (blockhash, _) = self
            .client
            .get_latest_blockhash_with_commitment(self.commitment)
            .await
            .map_err(|e| SendError::Other(e.to_string()))?;
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &[&self.payer],
            blockhash,
        );
        let sig = self
            .client
            .send_transaction_with_config(&tx, self.send_config())
            .await
            .map_err(|e| classify(&e))?;
        loop {
            let statuses = self
                .client
                .get_signature_statuses(&[sig])
                .await
                .map_err(|e| SendError::Other(e.to_string()))?;
            if let Some(Some(st)) = statuses.value.first() {
                if let Some(err) = &st.err {
                    return Err(classify_tx(err));
                }
                if st.satisfies_commitment(self.commitment) {
                    return Ok(());
                }
            }
            let valid = self
                .client
                .is_blockhash_valid(&blockhash, CommitmentConfig::processed())
                .await
                .map_err(|e| SendError::Other(e.to_string()))?;
            if !valid {
                return Err(SendError::BlockhashExpired);
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }

    async fn slabs_of(&mut self, market: &Pubkey) -> Result<Vec<Pubkey>, BackendError> {
        let accounts = self
            .client
            .get_program_ui_accounts_with_config(&softliq::ID, self.slab_filter(market))
            .await
            .map_err(rpc_err)?;
        let mut keys: Vec<Pubkey> = accounts.into_iter().map(|(k, _)| k).collect();
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::prelude::{Engine, BASE64_STANDARD};
    use serde_json::{json, Value};
    use solana_rpc_client::rpc_sender::RpcTransportStats;
    use solana_rpc_client_api::request::RpcRequest;
    use std::sync::{Arc, Mutex};

    /// A transport that records every request body and answers like a node.
    #[derive(Clone, Default)]
    struct Recorder {
        bodies: Arc<Mutex<Vec<Value>>>,
        /// Data returned by getAccountInfo (sliced as asked).
        data: Vec<u8>,
        /// Statuses returned before "confirmed" (None = not yet seen).
        pending_polls: Arc<Mutex<u32>>,
        blockhash_valid: bool,
    }

    #[async_trait::async_trait]
    impl RpcSender for Recorder {
        async fn send(
            &self,
            request: RpcRequest,
            params: Value,
        ) -> solana_rpc_client_api::client_error::Result<Value> {
            let body = request.build_request_json(1, params.clone());
            self.bodies.lock().unwrap().push(body);
            let ctx = json!({"slot": 7});
            Ok(match request {
                RpcRequest::GetAccountInfo => {
                    let slice = &params[1]["dataSlice"];
                    let data = if slice.is_object() {
                        let o = slice["offset"].as_u64().unwrap() as usize;
                        let l = slice["length"].as_u64().unwrap() as usize;
                        self.data[o.min(self.data.len())..(o + l).min(self.data.len())].to_vec()
                    } else {
                        self.data.clone()
                    };
                    json!({"context": ctx, "value": {
                        "data": [BASE64_STANDARD.encode(&data), "base64"],
                        "executable": false, "lamports": 5, "owner": softliq::ID.to_string(),
                        "rentEpoch": 0, "space": self.data.len()}})
                }
                RpcRequest::GetSlot => json!(1234),
                RpcRequest::GetLatestBlockhash => json!({"context": ctx, "value": {
                    "blockhash": solana_hash::Hash::new_from_array([9; 32]).to_string(),
                    "lastValidBlockHeight": 100}}),
                RpcRequest::SendTransaction => {
                    let raw = BASE64_STANDARD.decode(params[0].as_str().unwrap()).unwrap();
                    let tx: Transaction = bincode::deserialize(&raw).unwrap();
                    json!(tx.signatures[0].to_string())
                }
                RpcRequest::GetSignatureStatuses => {
                    let mut left = self.pending_polls.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        json!({"context": ctx, "value": [null]})
                    } else {
                        json!({"context": ctx, "value": [{"slot": 7, "confirmations": 1, "err": null,
                            "status": {"Ok": null}, "confirmationStatus": "confirmed"}]})
                    }
                }
                RpcRequest::IsBlockhashValid => {
                    json!({"context": ctx, "value": self.blockhash_valid})
                }
                RpcRequest::GetProgramAccounts => json!([
                    {"pubkey": Pubkey::new_from_array([3; 32]).to_string(), "account": {
                        "data": ["", "base64"], "executable": false, "lamports": 5,
                        "owner": softliq::ID.to_string(), "rentEpoch": 0, "space": 0}}
                ]),
                other => panic!("unexpected request {other}"),
            })
        }
        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }
        fn url(&self) -> String {
            "recorder".into()
        }
    }

    fn rpc(rec: &Recorder) -> (Rpc, Keypair) {
        let kp = Keypair::new();
        let mut r = Rpc::with_sender(rec.clone(), kp.insecure_clone());
        r.poll_interval = Duration::from_millis(1);
        (r, kp)
    }

    fn bodies(rec: &Recorder) -> Vec<Value> {
        std::mem::take(&mut *rec.bodies.lock().unwrap())
    }

    #[tokio::test]
    async fn get_account_info_and_slot_requests() {
        let rec = Recorder {
            data: (0..=255u8).collect(),
            blockhash_valid: true,
            ..Default::default()
        };
        let (mut r, _) = rpc(&rec);
        let key = Pubkey::new_from_array([1; 32]);
        let a = r.account(&key).await.unwrap().unwrap();
        assert_eq!(a.data.len(), 256);
        assert_eq!(a.owner, softliq::ID);
        let part = r.account_range(&key, 16, 8).await.unwrap().unwrap();
        assert_eq!(part, (16..24u8).collect::<Vec<_>>());
        assert_eq!(r.slot().await.unwrap(), 1234);
        let b = bodies(&rec);
        assert_eq!(
            b[0],
            json!({"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo",
                   "params": [key.to_string(), {"encoding": "base64", "dataSlice": null, "commitment": "confirmed", "minContextSlot": null}]})
        );
        assert_eq!(
            b[1],
            json!({"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo",
                   "params": [key.to_string(), {"encoding": "base64", "dataSlice": {"offset": 16, "length": 8}, "commitment": "confirmed", "minContextSlot": null}]})
        );
        assert_eq!(
            b[2],
            json!({"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": [{"commitment": "confirmed"}]})
        );
    }

    #[tokio::test]
    async fn send_transaction_request_is_base64_signed_and_confirmed() {
        let rec = Recorder {
            blockhash_valid: true,
            pending_polls: Arc::new(Mutex::new(2)),
            ..Default::default()
        };
        let (mut r, kp) = rpc(&rec);
        let keys = crate::pack::sizing_keys().0;
        let ix = crate::ixs::crank_ix(
            &keys,
            &kp.pubkey(),
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            vec![softliq::instructions::PositionRef {
                index: 5,
                generation: 2,
            }],
        );
        r.send(std::slice::from_ref(&ix)).await.unwrap();
        let b = bodies(&rec);
        let methods: Vec<&str> = b.iter().map(|v| v["method"].as_str().unwrap()).collect();
        assert_eq!(
            methods,
            vec![
                "getLatestBlockhash",
                "sendTransaction",
                "getSignatureStatuses",
                "isBlockhashValid",
                "getSignatureStatuses",
                "isBlockhashValid",
                "getSignatureStatuses"
            ]
        );
        assert_eq!(b[0]["params"], json!([{"commitment": "confirmed"}]));
        let send = &b[1];
        assert_eq!(
            send["params"][1],
            json!({"skipPreflight": false, "preflightCommitment": "confirmed", "encoding": "base64", "maxRetries": null, "minContextSlot": null})
        );
        let raw = BASE64_STANDARD
            .decode(send["params"][0].as_str().unwrap())
            .unwrap();
        assert!(raw.len() <= crate::pack::PACKET_DATA_SIZE);
        let tx: Transaction = bincode::deserialize(&raw).unwrap();
        assert_eq!(tx.message.account_keys[0], kp.pubkey(), "the keeper pays");
        assert_eq!(
            tx.message.recent_blockhash,
            solana_hash::Hash::new_from_array([9; 32])
        );
        assert!(tx.verify().is_ok(), "signed by the keeper");
        let ci = &tx.message.instructions[0];
        assert_eq!(
            tx.message.account_keys[ci.program_id_index as usize],
            softliq::ID
        );
        assert_eq!(ci.data, ix.data);
        assert_eq!(b[2]["params"], json!([[tx.signatures[0].to_string()]]));
    }

    #[tokio::test]
    async fn expiry_and_program_errors_are_classified() {
        let rec = Recorder {
            blockhash_valid: false,
            pending_polls: Arc::new(Mutex::new(1)),
            ..Default::default()
        };
        let (mut r, _) = rpc(&rec);
        assert_eq!(r.send(&[]).await, Err(SendError::BlockhashExpired));
        assert_eq!(
            classify_tx(&TransactionError::InstructionError(
                0,
                InstructionError::Custom(6_020)
            )),
            SendError::Custom(6_020)
        );
        assert_eq!(
            classify_tx(&TransactionError::BlockhashNotFound),
            SendError::BlockhashExpired
        );
    }

    #[tokio::test]
    async fn slab_discovery_request() {
        let rec = Recorder::default();
        let (mut r, _) = rpc(&rec);
        let market = Pubkey::new_from_array([2; 32]);
        let slabs = r.slabs_of(&market).await.unwrap();
        assert_eq!(slabs, vec![Pubkey::new_from_array([3; 32])]);
        let b = bodies(&rec);
        let disc = bs58(PositionSlab::DISCRIMINATOR);
        assert_eq!(
            b[0],
            json!({"jsonrpc": "2.0", "id": 1, "method": "getProgramAccounts", "params": [softliq::ID.to_string(), {
                "filters": [
                    {"memcmp": {"offset": 0, "bytes": disc, "encoding": "base58"}},
                    {"memcmp": {"offset": 8, "bytes": market.to_string(), "encoding": "base58"}}
                ],
                "encoding": "base64", "dataSlice": {"offset": 0, "length": 0}, "commitment": "confirmed",
                "minContextSlot": null, "withContext": null, "sortResults": null
            }]})
        );
    }

    fn bs58(b: &[u8]) -> String {
        bs58::encode(b).into_string()
    }
}
