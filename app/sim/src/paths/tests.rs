//! Tests of the price paths and CSV scenarios.
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
    for preset in Preset::ALL {
        assert_eq!(Preset::from_name(preset.name()), Ok(preset));
        for slots in [1, 2, 7, 599, 601] {
            let path = PricePath::preset(preset, slots, 10.0).unwrap();
            assert_eq!(path.prices().len() as u64, slots);
            assert!(path.knots().windows(2).all(|w| w[0].0 < w[1].0));
            assert!(path.prices().iter().all(|p| p.is_finite() && *p > 0.0));
        }
    }
}

#[test]
fn vcrash_falls_44_percent_in_25_slots_and_recovers() {
    let path = PricePath::preset(Preset::Vcrash, 600, 100.0).unwrap();
    assert!(close(path.price_at(100), 100.0));
    assert!(close(path.price_at(125), 56.0));
    assert!(close(path.price_at(200), 100.0));
    assert!(close(path.price_at(599), 100.0));
}

#[test]
fn cascade_has_a_slow_leg_then_a_fast_one() {
    let path = PricePath::preset(Preset::Cascade, 600, 100.0).unwrap();
    assert!(close(path.price_at(50), 100.0));
    assert!(close(path.price_at(300), 85.0));
    assert!(close(path.price_at(340), 63.75));
    // The second leg is 6.25x faster per slot than the first.
    let slow = (100.0 - 85.0) / 250.0;
    let fast = (85.0 - 63.75) / 40.0;
    assert!(fast > 8.0 * slow, "{slow} {fast}");
}

#[test]
fn grind_falls_40_percent_over_the_whole_run() {
    let path = PricePath::preset(Preset::Grind, 1_500, 100.0).unwrap();
    assert!(close(path.price_at(1_499), 60.0));
    assert!(path.prices().windows(2).all(|w| w[1] < w[0]));
}

#[test]
fn blackout_hides_the_bottom_of_a_fall() {
    let path = PricePath::preset(Preset::Blackout, 600, 100.0).unwrap();
    assert_eq!(path.outage_slots(), Some(110..170));
    assert!(close(path.price_at(140), 75.0));
    assert!(close(path.price_at(170), 85.0));
    assert!(path.oracle_live(109) && !path.oracle_live(140) && path.oracle_live(170));
}
