#![allow(clippy::arithmetic_side_effects)]
use super::*;
use proptest::prelude::*;

#[test]
fn mul_div_rounds_as_asked() {
    assert_eq!(mul_div(10, 1, 3, Rounding::Down), Some(3));
    assert_eq!(mul_div(10, 1, 3, Rounding::Up), Some(4));
    assert_eq!(mul_div(9, 1, 3, Rounding::Up), Some(3));
    assert_eq!(mul_div(1, 1, 0, Rounding::Up), None);
    assert_eq!(mul_div(u64::MAX, u64::MAX, 1, Rounding::Down), None);
    assert_eq!(
        mul_div(u64::MAX, u64::MAX, u64::MAX, Rounding::Down),
        Some(u64::MAX)
    );
}

proptest! {
    #[test]
    fn up_is_down_or_down_plus_one(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
        let d = mul_div_u128(a as u128, b as u128, c as u128, Rounding::Down).unwrap();
        let u = mul_div_u128(a as u128, b as u128, c as u128, Rounding::Up).unwrap();
        let exact = (a as u128) * (b as u128);
        prop_assert!(d * (c as u128) <= exact);
        prop_assert!(u * (c as u128) >= exact);
        prop_assert!(u - d <= 1);
    }

    #[test]
    fn value_round_trip_never_gains(amount in any::<u64>(), price in 1u64..) {
        // Converting base -> quote (down) -> base (down) never yields more base.
        if let Some(v) = value_of(amount, price, Rounding::Down) {
            let back = amount_for_value(v, price, Rounding::Down).unwrap();
            prop_assert!(back <= amount as u128);
        }
    }

    #[test]
    fn no_panic_full_range(a in any::<u128>(), b in any::<u128>(), c in any::<u128>()) {
        let _ = mul_div_u128(a, b, c, Rounding::Up);
        let _ = mul_div_u128(a, b, c, Rounding::Down);
    }
}
