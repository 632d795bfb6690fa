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
    /// A V: −44% in 25 slots (from slot 100), back to the start by slot 200.
    Vcrash,
    /// Two legs: −15% over slots 50..300, then −25% more in 40 slots.
    Cascade,
    /// A slow −40% over the whole run (the matrix runs it over 1,500 slots).
    Grind,
    /// A −25% fall in 40 slots (from slot 100) that the oracle misses: it is
    /// out over slots 110..170 and returns to a price recovered to −15%.
    Blackout,
}

impl Preset {
    /// Every preset, in the order the matrix runs them.
    pub const ALL: [Preset; 8] = [
        Preset::Crash,
        Preset::Flash,
        Preset::Bleed,
        Preset::Gap,
        Preset::Vcrash,
        Preset::Cascade,
        Preset::Grind,
        Preset::Blackout,
    ];
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Crash => "crash",
            Preset::Flash => "flash",
            Preset::Bleed => "bleed",
            Preset::Gap => "gap",
            Preset::Vcrash => "vcrash",
            Preset::Cascade => "cascade",
            Preset::Grind => "grind",
            Preset::Blackout => "blackout",
        }
    }

    pub fn from_name(name: &str) -> Result<Preset, PathError> {
        match name {
            "crash" => Ok(Preset::Crash),
            "flash" => Ok(Preset::Flash),
            "bleed" => Ok(Preset::Bleed),
            "gap" => Ok(Preset::Gap),
            "vcrash" => Ok(Preset::Vcrash),
            "cascade" => Ok(Preset::Cascade),
            "grind" => Ok(Preset::Grind),
            "blackout" => Ok(Preset::Blackout),
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
            Preset::Vcrash => (vec![(at(100), p), (at(125), p * 0.56), (at(200), p)], None),
            Preset::Cascade => (
                vec![(at(50), p), (at(300), p * 0.85), (at(340), p * 0.85 * 0.75)],
                None,
            ),
            Preset::Grind => (vec![(0, p), (slots - 1, p * 0.6)], None),
            Preset::Blackout => (
                vec![(at(100), p), (at(140), p * 0.75), (at(170), p * 0.85)],
                Some(at(110)..at(170)),
            ),
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
mod tests;
