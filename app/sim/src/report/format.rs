//! Number formatting for the markdown and terminal tables and chart axes.

/// `1234567.891` → `1,234,567.89`; non-finite → `n/a`.
pub fn quote(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let fixed = format!("{:.2}", value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let sign = if value < 0.0 && fixed != "0.00" {
        "-"
    } else {
        ""
    };
    format!("{sign}{}.{fraction}", group_thousands(whole))
}

/// A rate in 0..1 as a percentage: `0.985` → `98.50%`.
pub fn rate(value: f64) -> String {
    if value.is_finite() {
        format!("{:.2}%", value * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// Basis points with one decimal.
pub fn bps(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1}")
    } else {
        "n/a".to_string()
    }
}

pub fn count(value: u64) -> String {
    group_thousands(&value.to_string())
}

pub fn seconds(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}")
    } else {
        "n/a".to_string()
    }
}

/// Short axis labels: `20000000` → `20M`, `1500` → `1.5k`, `0.25` → `0.25`.
pub fn compact(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{suffix}")
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_groups_thousands_and_rounds() {
        assert_eq!(quote(1_234_567.891), "1,234,567.89");
        assert_eq!(quote(0.0), "0.00");
        assert_eq!(quote(999.999), "1,000.00");
        assert_eq!(quote(-12_345.5), "-12,345.50");
        assert_eq!(quote(-0.001), "0.00");
        assert_eq!(quote(f64::NAN), "n/a");
    }

    #[test]
    fn other_units() {
        assert_eq!(rate(0.985), "98.50%");
        assert_eq!(rate(f64::INFINITY), "n/a");
        assert_eq!(bps(123.456), "123.5");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(7), "7");
        assert_eq!(seconds(1.234), "1.23");
    }

    #[test]
    fn compact_axis_labels() {
        assert_eq!(compact(20_000_000.0), "20M");
        assert_eq!(compact(1_500.0), "1.5k");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(-2_500_000_000.0), "-2.5B");
        assert_eq!(compact(100.0), "100");
    }
}
