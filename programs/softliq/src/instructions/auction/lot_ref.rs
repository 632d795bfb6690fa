//! Looking up a lot named by `(index, generation)`.
use anchor_lang::prelude::*;

use crate::error::SoftliqError;
use crate::state::{BookError, BookView, Lot};

pub fn open_lot<'a>(
    lots: &'a mut BookView<Lot>,
    index: u32,
    generation: u32,
) -> Result<&'a mut Lot> {
    lots.get_mut(index, generation).map_err(|e| match e {
        BookError::StaleGeneration => error!(SoftliqError::LotStaleGeneration),
        _ => error!(SoftliqError::LotNotOpen),
    })
}

/// Frees a lot, mapping book errors to lot errors.
pub fn free_lot(lots: &mut BookView<Lot>, index: u32, generation: u32) -> Result<()> {
    lots.free(index, generation)
        .map_err(|_| error!(SoftliqError::LotNotOpen))
}
