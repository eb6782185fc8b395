use crate::model::Settings;
use crate::parse::Outcome;
pub fn parse_sysctl(_buf: &[u8]) -> Outcome<Settings> { Outcome::default() }
pub fn parse_bare_value(_buf: &[u8], _f: &str) -> Outcome<Settings> { Outcome::default() }
pub fn parse_log_limits(_buf: &[u8]) -> Outcome<Settings> { Outcome::default() }
