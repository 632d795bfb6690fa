//! Fundamental price paths over slots: presets and CSV scenarios.
//!
//! Every path is piecewise linear between knots `(slot, price)`, flat before
//! the first knot and after the last one. A price is in quote per base, as a
//! decimal (not native units). A step (the `gap` preset) is two knots on
//! consecutive slots.
//!
//! Presets are laid out on the default run of [`REFERENCE_SLOTS`] slots; a
//! shorter run compresses the shape in time so that all of it fits, a longer
//! run keeps it as is (a crash stays "a few hundred slots") and stays flat
//! afterwards. `bleed` is the exception: it always spans the whole run.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Start price of the presets unless told otherwise (quote per base).
pub const DEFAULT_START_PRICE: f64 = 100.0;
/// The run length the presets' shapes are laid out on.
pub const REFERENCE_SLOTS: u64 = 600;
/// Names accepted by [`Scenario::parse`] besides a `.csv` path.
pub const PRESET_NAMES: [&str; 4] = ["crash", "flash", "bleed", "gap"];

/// What went wrong while building a path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    #[error("unknown scenario preset `{name}`: valid presets are {valid}, or a path ending in .csv", valid = PRESET_NAMES.join(", "))]
    UnknownPreset { name: String },
    #[error("cannot read scenario file {path}: {message}")]
    Io { path: PathBuf, message: String },
    /// A problem on one line of a CSV scenario; `line` is 1-based.
    #[error("line {line}: {problem}")]
    Csv { line: usize, problem: CsvProblem },
    #[error("start price must be positive and finite, got {price}")]
    BadStartPrice { price: f64 },
    #[error("a run needs at least one slot")]
    NoSlots,
}

/// The problem found on one CSV line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsvProblem {
    #[error("missing header, expected exactly `slot,price`")]
    MissingHeader,
    #[error("header must be exactly `slot,price`, found `{found}`")]
    BadHeader { found: String },
    #[error("expected 2 fields `slot,price`, found {found}")]
    FieldCount { found: usize },
    #[error("slot `{text}` is not a non-negative integer")]
    BadSlot { text: String },
    #[error("price `{text}` is not a decimal number")]
    BadPrice { text: String },
    #[error("price must be positive")]
    NonPositivePrice,
    #[error("slot {slot} must be greater than the previous slot {previous}")]
    SlotNotIncreasing { slot: u64, previous: u64 },
    #[error("no price rows after the header")]
    NoRows,
}

/// The built-in fundamental paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// −40% over 300 slots (from slot 50), then flat.
    Crash,
    /// −30% over 20 slots (from slot 100), back to the start over the next 100.
    Flash,
    /// A steady −30% over the whole run.
    Bleed,
    /// Oracle outage over slots 150..250 while the price slides −20%; when
    /// the oracle comes back the price has gapped down to −35%, then flat.
    Gap,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Crash => "crash",
            Preset::Flash => "flash",
            Preset::Bleed => "bleed",
            Preset::Gap => "gap",
        }
    }

    pub fn from_name(name: &str) -> Result<Preset, PathError> {
        match name {
            "crash" => Ok(Preset::Crash),
            "flash" => Ok(Preset::Flash),
            "bleed" => Ok(Preset::Bleed),
            "gap" => Ok(Preset::Gap),
            _ => Err(PathError::UnknownPreset {
                name: name.to_string(),
            }),
        }
    }
}

/// What `--scenario` names: a preset or a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    Preset(Preset),
    Csv(PathBuf),
}

impl Scenario {
    /// A value ending in `.csv` (any case) is a file; anything else must be a
    /// preset name.
    pub fn parse(text: &str) -> Result<Scenario, PathError> {
        if text.to_ascii_lowercase().ends_with(".csv") {
            Ok(Scenario::Csv(PathBuf::from(text)))
        } else {
            Preset::from_name(text).map(Scenario::Preset)
        }
    }

    /// The name the report shows.
    pub fn name(&self) -> String {
        match self {
            Scenario::Preset(preset) => preset.name().to_string(),
            Scenario::Csv(path) => path.display().to_string(),
        }
    }

    /// Builds the path over `slots` slots. A CSV file brings its own prices,
    /// so `start_price` only applies to presets.
    pub fn build(&self, slots: u64, start_price: f64) -> Result<PricePath, PathError> {
        match self {
            Scenario::Preset(preset) => PricePath::preset(*preset, slots, start_price),
            Scenario::Csv(path) => PricePath::from_csv_file(path, slots),
        }
    }
}

/// A fundamental price path over `slots` slots.
#[derive(Debug, Clone, PartialEq)]
pub struct PricePath {
    name: String,
    slots: u64,
    /// Strictly increasing slots, positive prices, at least one knot.
    knots: Vec<(u64, f64)>,
    /// Slots during which the oracle is not updated.
    outage_slots: Option<Range<u64>>,
}

impl PricePath {
    pub fn preset(preset: Preset, slots: u64, start_price: f64) -> Result<PricePath, PathError> {
        if slots == 0 {
            return Err(PathError::NoSlots);
        }
        if !(start_price.is_finite() && start_price > 0.0) {
            return Err(PathError::BadStartPrice { price: start_price });
        }
        let at = |reference_slot: u64| scaled_slot(reference_slot, slots);
        let p = start_price;
        let (knots, outage_slots) = match preset {
            Preset::Crash => (vec![(at(50), p), (at(350), p * 0.6)], None),
            Preset::Flash => (vec![(at(100), p), (at(120), p * 0.7), (at(220), p)], None),
            Preset::Bleed => (vec![(0, p), (slots - 1, p * 0.7)], None),
            Preset::Gap => {
                let (start, end) = (at(150), at(250));
                (
                    vec![
                        (start, p),
                        (end.saturating_sub(1), p * 0.8),
                        (end, p * 0.65),
                    ],
                    Some(start..end),
                )
            }
        };
        Ok(PricePath {
            name: preset.name().to_string(),
            slots,
            knots: dedup_knots(knots),
            outage_slots,
        })
    }

    pub fn from_csv_file(path: &Path, slots: u64) -> Result<PricePath, PathError> {
        let text = std::fs::read_to_string(path).map_err(|err| PathError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
        let mut built = PricePath::from_csv_str(&text, slots)?;
        built.name = path.display().to_string();
        Ok(built)
    }

    /// Parses `slot,price` rows (see the module docs for the rules).
    pub fn from_csv_str(text: &str, slots: u64) -> Result<PricePath, PathError> {
        if slots == 0 {
            return Err(PathError::NoSlots);
        }
        let knots = parse_csv(text)?;
        Ok(PricePath {
            name: "csv".to_string(),
            slots,
            knots,
            outage_slots: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn slots(&self) -> u64 {
        self.slots
    }

    pub fn start_price(&self) -> f64 {
        self.price_at(0)
    }

    pub fn knots(&self) -> &[(u64, f64)] {
        &self.knots
    }

    pub fn outage_slots(&self) -> Option<Range<u64>> {
        self.outage_slots.clone()
    }

    /// Whether the oracle is updated at `slot` (false during an outage).
    pub fn oracle_live(&self, slot: u64) -> bool {
        self.outage_slots
            .as_ref()
            .is_none_or(|outage| !outage.contains(&slot))
    }

    /// Fundamental price at `slot`: linear between knots, flat outside them.
    pub fn price_at(&self, slot: u64) -> f64 {
        let after = self
            .knots
            .partition_point(|&(knot_slot, _)| knot_slot <= slot);
        match after {
            0 => self.knots[0].1,
            n if n == self.knots.len() => self.knots[n - 1].1,
            n => {
                let (s0, p0) = self.knots[n - 1];
                let (s1, p1) = self.knots[n];
                let t = (slot - s0) as f64 / (s1 - s0) as f64;
                p0 + (p1 - p0) * t
            }
        }
    }

    /// The price at every slot of the run.
    pub fn prices(&self) -> Vec<f64> {
        (0..self.slots).map(|slot| self.price_at(slot)).collect()
    }
}

impl fmt::Display for PricePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} over {} slots, {:.4} -> {:.4}",
            self.name,
            self.slots,
            self.price_at(0),
            self.price_at(self.slots - 1)
        )
    }
}

/// Maps a slot of the reference layout onto a run of `slots` slots:
/// compressed when the run is shorter, unchanged otherwise.
fn scaled_slot(reference_slot: u64, slots: u64) -> u64 {
    if slots >= REFERENCE_SLOTS {
        reference_slot
    } else {
        reference_slot * slots / REFERENCE_SLOTS
    }
}

/// After compression two knots may share a slot; keep the later one so that
/// slots stay strictly increasing (a step becomes instantaneous).
fn dedup_knots(knots: Vec<(u64, f64)>) -> Vec<(u64, f64)> {
    let mut out: Vec<(u64, f64)> = Vec::with_capacity(knots.len());
    for knot in knots {
        match out.last_mut() {
            Some(last) if last.0 >= knot.0 => *last = (last.0, knot.1),
            _ => out.push(knot),
        }
    }
    out
}

fn csv_error(line: usize, problem: CsvProblem) -> PathError {
    PathError::Csv { line, problem }
}

fn parse_csv(text: &str) -> Result<Vec<(u64, f64)>, PathError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()));
    match lines.next() {
        None => return Err(csv_error(1, CsvProblem::MissingHeader)),
        Some((_, "slot,price")) => {}
        Some((line, "")) => return Err(csv_error(line, CsvProblem::MissingHeader)),
        Some((line, found)) => {
            return Err(csv_error(
                line,
                CsvProblem::BadHeader {
                    found: found.to_string(),
                },
            ))
        }
    }
    let mut knots: Vec<(u64, f64)> = Vec::new();
    for (line, row) in lines.filter(|(_, row)| !row.is_empty()) {
        let (slot, price) = parse_row(row).map_err(|problem| csv_error(line, problem))?;
        if let Some(&(previous, _)) = knots.last() {
            if slot <= previous {
                return Err(csv_error(
                    line,
                    CsvProblem::SlotNotIncreasing { slot, previous },
                ));
            }
        }
        knots.push((slot, price));
    }
    if knots.is_empty() {
        let last_line = text.lines().count().max(1);
        return Err(csv_error(last_line, CsvProblem::NoRows));
    }
    Ok(knots)
}

fn parse_row(row: &str) -> Result<(u64, f64), CsvProblem> {
    let fields: Vec<&str> = row.split(',').map(str::trim).collect();
    let [slot_text, price_text] = fields[..] else {
        return Err(CsvProblem::FieldCount {
            found: fields.len(),
        });
    };
    let slot = slot_text.parse::<u64>().map_err(|_| CsvProblem::BadSlot {
        text: slot_text.to_string(),
    })?;
    let price = price_text
        .parse::<f64>()
        .ok()
        .filter(|price| price.is_finite())
        .ok_or_else(|| CsvProblem::BadPrice {
            text: price_text.to_string(),
        })?;
    if price <= 0.0 {
        return Err(CsvProblem::NonPositivePrice);
    }
    Ok((slot, price))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn csv_err(text: &str) -> PathError {
        PricePath::from_csv_str(text, 100).unwrap_err()
    }

    #[test]
    fn csv_interpolates_linearly_and_is_flat_outside() {
        let path = PricePath::from_csv_str("slot,price\n10,100\n20,80\n30,90.5\n", 50).unwrap();
        assert!(close(path.price_at(0), 100.0), "flat before the first row");
        assert!(close(path.price_at(10), 100.0));
        assert!(close(path.price_at(15), 90.0));
        assert!(close(path.price_at(20), 80.0));
        assert!(close(path.price_at(25), 85.25));
        assert!(close(path.price_at(30), 90.5));
        assert!(close(path.price_at(49), 90.5), "flat after the last row");
        assert!(close(path.price_at(10_000), 90.5));
        assert_eq!(path.prices().len(), 50);
    }

    #[test]
    fn csv_accepts_crlf_bom_spaces_and_blank_lines() {
        let text = "\u{feff}slot,price\r\n0, 2.5\r\n\r\n4 ,3.5\r\n\n";
        let path = PricePath::from_csv_str(text, 10).unwrap();
        assert_eq!(path.knots(), &[(0, 2.5), (4, 3.5)]);
        assert!(close(path.price_at(2), 3.0));
        assert!(path.oracle_live(3));
    }

    #[test]
    fn csv_single_row_is_flat() {
        let path = PricePath::from_csv_str("slot,price\n5,42\n", 10).unwrap();
        assert!(path.prices().iter().all(|&p| close(p, 42.0)));
    }

    #[test]
    fn csv_error_empty_file() {
        assert_eq!(
            csv_err(""),
            PathError::Csv {
                line: 1,
                problem: CsvProblem::MissingHeader
            }
        );
    }

    #[test]
    fn csv_error_bad_header() {
        let err = csv_err("time,price\n0,1\n");
        assert_eq!(
            err,
            PathError::Csv {
                line: 1,
                problem: CsvProblem::BadHeader {
                    found: "time,price".into()
                }
            }
        );
        assert_eq!(
            err.to_string(),
            "line 1: header must be exactly `slot,price`, found `time,price`"
        );
    }

    #[test]
    fn csv_error_no_rows() {
        assert_eq!(
            csv_err("slot,price\n"),
            PathError::Csv {
                line: 1,
                problem: CsvProblem::NoRows
            }
        );
        assert_eq!(
            csv_err("slot,price\n\n\n"),
            PathError::Csv {
                line: 3,
                problem: CsvProblem::NoRows
            }
        );
    }

    #[test]
    fn csv_error_field_count() {
        assert_eq!(
            csv_err("slot,price\n0,1\n1,2,3\n"),
            PathError::Csv {
                line: 3,
                problem: CsvProblem::FieldCount { found: 3 }
            }
        );
        assert_eq!(
            csv_err("slot,price\n7\n"),
            PathError::Csv {
                line: 2,
                problem: CsvProblem::FieldCount { found: 1 }
            }
        );
    }

    #[test]
    fn csv_error_bad_slot() {
        for bad in ["-1", "1.5", "x", ""] {
            assert_eq!(
                csv_err(&format!("slot,price\n{bad},10\n")),
                PathError::Csv {
                    line: 2,
                    problem: CsvProblem::BadSlot { text: bad.into() }
                },
                "slot {bad:?}"
            );
        }
    }

    #[test]
    fn csv_error_bad_price() {
        for bad in ["abc", "", "inf", "NaN", "1e999"] {
            assert_eq!(
                csv_err(&format!("slot,price\n0,10\n1,{bad}\n")),
                PathError::Csv {
                    line: 3,
                    problem: CsvProblem::BadPrice { text: bad.into() }
                },
                "price {bad:?}"
            );
        }
    }

    #[test]
    fn csv_error_non_positive_price_names_the_line() {
        let err = csv_err("slot,price\n0,10\n1,9\n2,0\n");
        assert_eq!(err.to_string(), "line 4: price must be positive");
        assert_eq!(
            csv_err("slot,price\n0,-3.5\n"),
            PathError::Csv {
                line: 2,
                problem: CsvProblem::NonPositivePrice
            }
        );
    }

    #[test]
    fn csv_error_slots_not_increasing() {
        assert_eq!(
            csv_err("slot,price\n0,10\n5,9\n5,8\n"),
            PathError::Csv {
                line: 4,
                problem: CsvProblem::SlotNotIncreasing {
                    slot: 5,
                    previous: 5
                }
            }
        );
        let err = csv_err("slot,price\n10,10\n3,9\n");
        assert_eq!(
            err.to_string(),
            "line 3: slot 3 must be greater than the previous slot 10"
        );
    }

    #[test]
    fn csv_file_missing_is_an_io_error_and_file_loads() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        assert!(matches!(
            PricePath::from_csv_file(&missing, 10),
            Err(PathError::Io { .. })
        ));
        let file = dir.path().join("path.csv");
        std::fs::write(&file, "slot,price\n0,1\n10,2\n").unwrap();
        let path = Scenario::parse(file.to_str().unwrap())
            .unwrap()
            .build(20, 999.0)
            .unwrap();
        assert!(close(path.price_at(5), 1.5));
        assert_eq!(path.name(), file.display().to_string());
    }

    #[test]
    fn unknown_preset_lists_valid_names() {
        let err = Scenario::parse("meltdown").unwrap_err();
        assert_eq!(
            err,
            PathError::UnknownPreset {
                name: "meltdown".into()
            }
        );
        let message = err.to_string();
        for name in PRESET_NAMES {
            assert!(message.contains(name), "{message}");
        }
        assert!(message.contains("meltdown"));
    }

    #[test]
    fn scenario_parse_recognises_presets_and_csv() {
        for name in PRESET_NAMES {
            let scenario = Scenario::parse(name).unwrap();
            assert_eq!(scenario.name(), name);
        }
        assert_eq!(
            Scenario::parse("data/Path.CSV").unwrap(),
            Scenario::Csv(PathBuf::from("data/Path.CSV"))
        );
    }

    #[test]
    fn invalid_preset_inputs() {
        assert_eq!(
            PricePath::preset(Preset::Crash, 0, 100.0),
            Err(PathError::NoSlots)
        );
        assert!(matches!(
            PricePath::preset(Preset::Crash, 10, 0.0),
            Err(PathError::BadStartPrice { .. })
        ));
        assert!(matches!(
            PricePath::preset(Preset::Crash, 10, f64::NAN),
            Err(PathError::BadStartPrice { .. })
        ));
        assert_eq!(
            PricePath::from_csv_str("slot,price\n0,1\n", 0),
            Err(PathError::NoSlots)
        );
    }

    #[test]
    fn crash_falls_forty_percent_then_flat() {
        let path = PricePath::preset(Preset::Crash, 600, 100.0).unwrap();
        assert!(close(path.price_at(0), 100.0));
        assert!(close(path.price_at(50), 100.0));
        assert!(close(path.price_at(200), 80.0));
        assert!(close(path.price_at(350), 60.0));
        assert!(close(path.price_at(599), 60.0));
        let prices = path.prices();
        assert!(prices.windows(2).all(|w| w[1] <= w[0]));
        assert!((0..600).all(|slot| path.oracle_live(slot)));
    }

    #[test]
    fn flash_dips_and_recovers() {
        let path = PricePath::preset(Preset::Flash, 600, 50.0).unwrap();
        assert!(close(path.price_at(100), 50.0));
        assert!(close(path.price_at(120), 35.0));
        assert!(close(path.price_at(170), 42.5));
        assert!(close(path.price_at(220), 50.0));
        assert!(close(path.price_at(599), 50.0));
    }

    #[test]
    fn bleed_spans_the_whole_run() {
        for slots in [2, 100, 600, 5_000] {
            let path = PricePath::preset(Preset::Bleed, slots, 100.0).unwrap();
            assert!(close(path.price_at(0), 100.0));
            assert!(close(path.price_at(slots - 1), 70.0));
            assert!(path.prices().windows(2).all(|w| w[1] < w[0]));
        }
    }

    #[test]
    fn gap_has_an_outage_then_a_jump() {
        let path = PricePath::preset(Preset::Gap, 600, 100.0).unwrap();
        assert_eq!(path.outage_slots(), Some(150..250));
        assert!(path.oracle_live(149));
        assert!(!path.oracle_live(150));
        assert!(!path.oracle_live(249));
        assert!(path.oracle_live(250));
        assert!(close(path.price_at(249), 80.0));
        assert!(close(path.price_at(250), 65.0));
        assert!(close(path.price_at(599), 65.0));
        // The oracle's last live price before the outage against its first after.
        let jump = path.price_at(250) / path.price_at(149) - 1.0;
        assert!(jump < -0.3, "{jump}");
    }

    #[test]
    fn presets_compress_into_short_runs_and_keep_shape_in_long_ones() {
        let short = PricePath::preset(Preset::Crash, 60, 100.0).unwrap();
        assert!(close(short.price_at(5), 100.0));
        assert!(close(short.price_at(35), 60.0));
        assert!(close(short.price_at(59), 60.0));
        let long = PricePath::preset(Preset::Crash, 6_000, 100.0).unwrap();
        assert!(close(long.price_at(350), 60.0));
        let tiny_gap = PricePath::preset(Preset::Gap, 3, 100.0).unwrap();
        assert!(tiny_gap.prices().iter().all(|p| p.is_finite() && *p > 0.0));
        for preset in [Preset::Crash, Preset::Flash, Preset::Bleed, Preset::Gap] {
            for slots in [1, 2, 7, 599, 601] {
                let path = PricePath::preset(preset, slots, 10.0).unwrap();
                assert_eq!(path.prices().len() as u64, slots);
                assert!(path.knots().windows(2).all(|w| w[0].0 < w[1].0));
                assert!(path.prices().iter().all(|p| p.is_finite() && *p > 0.0));
            }
        }
    }
}
