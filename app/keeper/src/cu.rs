//! The compute units and loaded-account bytes the keeper asks for, from what
//! the program was measured to use in the VM (docs/compute-units.md, measured
//! by `tests/tests/sbf_cases`). A transaction asks for its expected use plus
//! [`MARGIN_BPS`], never the 1.4M maximum: a smaller request is scheduled
//! sooner and costs less priority fee per unit asked.
use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;

/// Most compute units one transaction may use.
pub const MAX_TX_CU: u32 = 1_400_000;
/// What a crank costs before its entries: accounts, oracle, accrual, budget,
/// the keeper's pay transfer and the event header (measured: 23,177 CU for
/// one liquidating entry − one entry).
pub const CRANK_BASE_CU: u32 = 18_100;
/// What each liquidated entry adds (measured: (345,058 − 23,177) / 63 for
/// 64 entries against 1). A skipped entry costs less.
pub const CRANK_PER_ENTRY_CU: u32 = 5_110;
/// `refresh_risk` (measured 2,517).
pub const REFRESH_RISK_CU: u32 = 2_600;
/// `auction_take` (measured 31,064 partial, 31,060 whole).
pub const TAKE_CU: u32 = 31_100;
/// `auction_take` on an anchored market with the slot's price (measured
/// 34,848: the curve evaluated twice).
pub const TAKE_ANCHORED_CU: u32 = 34_900;
/// `auction_reset` (measured 24,920).
pub const RESET_CU: u32 = 25_000;
/// `auction_settle` (measured 15,306).
pub const SETTLE_CU: u32 = 15_400;
/// Head-room over the measured use: 25%.
pub const MARGIN_BPS: u32 = 2_500;
/// The loaded-accounts bytes the runtime charges for each account beyond its
/// data (agave's `TRANSACTION_ACCOUNT_BASE_SIZE`).
pub const ACCOUNT_BASE_BYTES: u32 = 64;

/// `units` with the margin, uncapped.
fn margined(units: u64) -> u64 {
    units.saturating_mul(u64::from(10_000 + MARGIN_BPS)) / 10_000
}

/// `units` with the margin, at most [`MAX_TX_CU`].
pub fn with_margin(units: u32) -> u32 {
    margined(u64::from(units)).min(u64::from(MAX_TX_CU)) as u32
}

/// A crank of `entries` positions as measured, before the margin.
fn crank_cu(entries: u64) -> u64 {
    u64::from(CRANK_PER_ENTRY_CU)
        .saturating_mul(entries)
        .saturating_add(u64::from(CRANK_BASE_CU))
}

/// Compute-unit limit for a crank naming `entries` positions.
pub fn crank_cu_limit(entries: usize) -> u32 {
    margined(crank_cu(entries as u64)).min(u64::from(MAX_TX_CU)) as u32
}

/// The most entries whose crank (with the margin) stays within [`MAX_TX_CU`].
pub fn max_entries_by_cu() -> usize {
    (0..)
        .take_while(|&n| margined(crank_cu(n + 1)) <= u64::from(MAX_TX_CU))
        .count()
}

/// Loaded-accounts data size for a transaction whose accounts (programs and
/// their program-data accounts included) have these data lengths, with the
/// margin.
pub fn loaded_accounts_limit(data_lens: &[usize]) -> u32 {
    let total: u64 = data_lens
        .iter()
        .map(|l| *l as u64 + u64::from(ACCOUNT_BASE_BYTES))
        .sum();
    let with = total * u64::from(10_000 + MARGIN_BPS) / 10_000;
    with.min(u64::from(u32::MAX)) as u32
}

/// The compute-budget instructions for a transaction: a unit limit, a
/// loaded-accounts limit (when known) and a price (when set).
pub fn budget_ixs(
    cu_limit: u32,
    loaded_accounts_bytes: Option<u32>,
    price_micro_lamports: Option<u64>,
) -> Vec<Instruction> {
    use solana_compute_budget_interface::ComputeBudgetInstruction as Cb;
    let mut v = vec![Cb::set_compute_unit_limit(cu_limit)];
    if let Some(b) = loaded_accounts_bytes {
        v.push(Cb::set_loaded_accounts_data_size_limit(b));
    }
    if let Some(p) = price_micro_lamports {
        v.push(Cb::set_compute_unit_price(p));
    }
    v
}

/// The program-data account of an upgradeable program account (`None` for
/// other loaders): `UpgradeableLoaderState::Program { programdata_address }`
/// is the tag 2 (u32) then the address.
pub fn programdata_of(owner: &Pubkey, data: &[u8]) -> Option<Pubkey> {
    if *owner != anchor_lang::solana_program::bpf_loader_upgradeable::ID
        || data.get(..4) != Some(&2u32.to_le_bytes()[..])
    {
        return None;
    }
    let key: [u8; 32] = data.get(4..36)?.try_into().ok()?;
    Some(Pubkey::new_from_array(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_crank_fits_with_its_margin() {
        let max = softliq::engine::params::MAX_POSITIONS_PER_CRANK as usize;
        assert!(
            max_entries_by_cu() >= max,
            "{} < {max}",
            max_entries_by_cu()
        );
        let full = crank_cu_limit(max);
        assert_eq!(full, (18_100 + 5_110 * 64) * 125 / 100);
        assert!(full < MAX_TX_CU);
        assert!(crank_cu_limit(1) < crank_cu_limit(2));
        assert_eq!(crank_cu_limit(1_000), MAX_TX_CU, "capped");
    }

    #[test]
    fn loaded_bytes_count_each_account_and_the_margin() {
        assert_eq!(loaded_accounts_limit(&[0]), 80);
        assert_eq!(
            loaded_accounts_limit(&[1_000, 36]),
            (1_064 + 100) * 125 / 100
        );
    }

    #[test]
    fn programdata_address_only_for_upgradeable_programs() {
        let pd = Pubkey::new_unique();
        let mut data = 2u32.to_le_bytes().to_vec();
        data.extend_from_slice(pd.as_ref());
        let up: Pubkey = "BPFLoaderUpgradeab1e11111111111111111111111"
            .parse()
            .unwrap();
        assert_eq!(programdata_of(&up, &data), Some(pd));
        assert_eq!(programdata_of(&Pubkey::new_unique(), &data), None);
        data[0] = 3;
        assert_eq!(programdata_of(&up, &data), None);
    }
}
