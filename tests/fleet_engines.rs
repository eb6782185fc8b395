//! The fleet recipes of `examples/fleet/`: two cases analysed apart are read
//! as one fleet by DuckDB (`fleet.sql`) and by PySpark (`fleet_spark.py`,
//! local mode); `check_fleet.py` asserts that the two engines agree and
//! that both agree with the cases' summaries.
//!
//! Needs a Python virtualenv with `duckdb` and `pyspark` (and Java 17):
//! `.ci/run` makes one and points `CTSLEUTH_FLEET_VENV` at it. Outside CI,
//! without that variable, the test says so and passes; set
//! `CTSLEUTH_REQUIRE_FLEET=1` to make a missing virtualenv a failure.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn venv() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CTSLEUTH_FLEET_VENV")?);
    dir.join("bin/python").exists().then_some(dir)
}

fn analyze(case: &str, paths: &[&str], cases: &Path) {
    let args = ["--format", "json,parquet", "--case", case];
    common::analyze_into(&cases.join(case), &args, paths);
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed\nstdout:\n{}\nstderr:\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn duckdb_and_spark_read_two_cases_as_one_fleet() {
    let Some(venv) = venv() else {
        let required = std::env::var_os("CTSLEUTH_REQUIRE_FLEET").is_some();
        assert!(
            !required,
            "CTSLEUTH_FLEET_VENV does not point at a virtualenv with duckdb and pyspark"
        );
        eprintln!("no CTSLEUTH_FLEET_VENV: DuckDB and Spark recipes not run");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    analyze("linkerd", &["samples/incident-linkerd"], &cases);
    analyze("stale-udp", &["samples/causes/stale-udp"], &cases);

    let spark_out = tmp.path().join("spark");
    // Spark writes its scratch files (spark-warehouse, derby.log) into the
    // working folder: the temporary one, not the clone.
    run(Command::new(venv.join("bin/spark-submit"))
        .current_dir(tmp.path())
        .env("PYSPARK_PYTHON", venv.join("bin/python"))
        .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
        .arg(root.join("examples/fleet/fleet_spark.py"))
        .arg(format!("{}/*/parquet", cases.display()))
        .arg(&spark_out));
    run(Command::new(venv.join("bin/python"))
        .current_dir(tmp.path())
        .arg(root.join("examples/fleet/check_fleet.py"))
        .arg(&cases)
        .arg(&spark_out));
}
