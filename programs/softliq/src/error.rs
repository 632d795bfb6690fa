use anchor_lang::prelude::*;

#[error_code]
pub enum SoftliqError {
    #[msg("Arithmetic overflow or division by zero")]
    MathOverflow,
    #[msg("Invalid margin parameters")]
    InvalidMargins,
    #[msg("Invalid liquidation penalty")]
    InvalidPenalty,
    #[msg("Invalid lot buffer")]
    InvalidLotBuffer,
    #[msg("Invalid close factor")]
    InvalidCloseFactor,
    #[msg("Invalid keeper pay parameters")]
    InvalidKeeperPay,
    #[msg("Invalid crank size or ramp")]
    InvalidCrankSize,
    #[msg("Invalid auction parameters")]
    InvalidAuctionParams,
    #[msg("Invalid oracle guard parameters")]
    InvalidOracleParams,
    #[msg("Invalid borrow rate parameters")]
    InvalidBorrowRate,
    #[msg("Invalid insurance cooldown")]
    InvalidCooldown,
    #[msg("Oracle account has the wrong owner")]
    OracleWrongOwner,
    #[msg("Oracle account is not the market's oracle")]
    OracleWrongAccount,
    #[msg("Oracle account data is malformed")]
    OracleMalformed,
    #[msg("Oracle feed id does not match the market")]
    OracleWrongFeed,
    #[msg("Oracle update is not fully verified")]
    OracleNotVerified,
    #[msg("Oracle price is not trading")]
    OracleNotTrading,
    #[msg("Oracle price is zero or negative")]
    OracleNonPositive,
    #[msg("Oracle price is too old (slots)")]
    OracleStaleSlots,
    #[msg("Oracle price is too old (seconds)")]
    OracleStaleSecs,
    #[msg("Oracle confidence interval is too wide")]
    OracleConfTooWide,
    #[msg("Oracle price deviates too far from its EMA")]
    OracleDeviation,
    #[msg("Oracle exponent is out of range")]
    OracleExponent,
    #[msg("Signer is not the market admin")]
    NotAdmin,
    #[msg("Signer does not own this position")]
    NotOwner,
    #[msg("Account belongs to another market")]
    WrongMarket,
    #[msg("Token account or mint does not match the market")]
    WrongTokenAccount,
    #[msg("Mint has an extension softliq does not support")]
    UnsupportedMintExtension,
    #[msg("The same slab was passed twice")]
    DuplicateAccount,
    #[msg("Account layout is invalid or too small")]
    BadAccountLayout,
    #[msg("Slab capacity is zero or exceeds the account limit")]
    BadCapacity,
    #[msg("Slab is full")]
    SlabFull,
    #[msg("Position index out of range")]
    BadIndex,
    #[msg("Position is not open")]
    PositionNotOpen,
    #[msg("Position generation is stale")]
    StaleGeneration,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Position would be below initial margin")]
    InsufficientHealth,
    #[msg("Not enough collateral in the position")]
    InsufficientCollateral,
    #[msg("Pool has not enough cash")]
    InsufficientPoolCash,
    #[msg("Not enough shares")]
    InsufficientShares,
    #[msg("Position still has debt")]
    PositionHasDebt,
    #[msg("Market action is paused")]
    Paused,
    #[msg("Too many entries for one crank")]
    TooManyEntries,
    #[msg("Lot book is full")]
    LotBookFull,
    #[msg("Lot is not open")]
    LotNotOpen,
    #[msg("Lot generation is stale")]
    LotStaleGeneration,
    #[msg("Auction price is above the taker's max price")]
    PriceAboveMax,
    #[msg("Take would leave a tab below dust")]
    TakeLeavesDust,
    #[msg("Nothing to take")]
    NothingToTake,
    #[msg("Lot needs a reset before it can be taken")]
    LotNeedsReset,
    #[msg("Lot cannot be reset yet")]
    ResetTooEarly,
    #[msg("Lot cannot be settled")]
    LotNotSettleable,
    #[msg("Owner collateral account required: the position was closed")]
    OwnerAccountRequired,
    #[msg("Insurance withdrawal cooldown has not elapsed")]
    CooldownNotElapsed,
    #[msg("No pending insurance withdrawal")]
    NoPendingWithdrawal,
    #[msg("Invalid risk parameters (volatility, margin add-on, depth budget)")]
    InvalidRiskParams,
    #[msg("Unsafe parameters: max price move per slot x max slots between cranks + penalty exceeds the maintenance margin")]
    UnsafeCrankGap,
    #[msg("The margin add-on cap is fixed at market creation")]
    RiskCapImmutable,
    #[msg("Market depth may change by at most 2x per update")]
    DepthChangeTooLarge,
    #[msg("A margin or the penalty may rise by at most 100 bps per applied update")]
    MarginRaiseTooLarge,
    #[msg("Oracle price is older than one the market already used")]
    OracleOlderThanLast,
    #[msg("Invalid pause flags")]
    InvalidPauseFlags,
    #[msg("Collateral mint has a freeze authority")]
    FreezeAuthorityNotAllowed,
    #[msg("Insurance withdrawal window has expired: request again")]
    WithdrawWindowExpired,
}

/// Maps a `None` from checked math to `MathOverflow`, naming the file and
/// line of the `math!` call (Anchor logs them with the error).
///
/// The error is built only on failure (`ok_or_else`): Anchor's error holds
/// two `String`s, and building one eagerly on every checked operation cost
/// ~3 KiB of the 32 KiB SBF heap (a bump allocator never frees) and ~10k CU
/// per crank entry, so a crank of 12 entries aborted on SBF (docs/sbf.md).
#[macro_export]
macro_rules! math {
    ($e:expr) => {
        $e.ok_or_else(|| error!($crate::error::SoftliqError::MathOverflow))
    };
}

impl From<crate::engine::params::ParamError> for SoftliqError {
    fn from(e: crate::engine::params::ParamError) -> Self {
        use crate::engine::params::ParamError as P;
        match e {
            P::Margins => Self::InvalidMargins,
            P::Penalty => Self::InvalidPenalty,
            P::LotBuffer => Self::InvalidLotBuffer,
            P::CloseFactor => Self::InvalidCloseFactor,
            P::KeeperPay => Self::InvalidKeeperPay,
            P::CrankSize => Self::InvalidCrankSize,
            P::Auction => Self::InvalidAuctionParams,
            P::Oracle => Self::InvalidOracleParams,
            P::BorrowRate => Self::InvalidBorrowRate,
            P::Cooldown => Self::InvalidCooldown,
            P::RaiseTooLarge => Self::MarginRaiseTooLarge,
        }
    }
}

impl From<crate::engine::risk::RiskError> for SoftliqError {
    fn from(e: crate::engine::risk::RiskError) -> Self {
        use crate::engine::risk::RiskError as R;
        match e {
            R::Bounds => Self::InvalidRiskParams,
            R::SafetyRule => Self::UnsafeCrankGap,
        }
    }
}

impl From<crate::state::BookError> for SoftliqError {
    fn from(e: crate::state::BookError) -> Self {
        use crate::state::BookError as B;
        match e {
            B::Full => Self::SlabFull,
            B::BadIndex => Self::BadIndex,
            B::NotInUse => Self::PositionNotOpen,
            B::StaleGeneration => Self::StaleGeneration,
            B::Layout => Self::BadAccountLayout,
        }
    }
}
