// Placeholder until the framing grammar lands.
use std::borrow::Cow;
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stamp {
    Monotonic(f64),
    Wall(chrono::DateTime<chrono::Utc>),
    Local(chrono::NaiveDateTime),
    NoYear { month: u32, day: u32, time: chrono::NaiveTime },
}
#[derive(Debug, Clone, PartialEq)]
pub struct Framed<'a> {
    pub stamp: Option<Stamp>,
    pub monotonic: Option<f64>,
    pub host: Option<Cow<'a, str>>,
    pub source: Option<Cow<'a, str>>,
    pub message: Cow<'a, [u8]>,
    pub framing: Framing,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing { Dmesg, DmesgHuman, Syslog, Rfc3339, Rfc5424, JournalMonotonic, JournalJson, Logread, CloudLogging, Bare }
pub fn frame_line(line: &[u8]) -> Framed<'_> {
    Framed { stamp: None, monotonic: None, host: None, source: None, message: Cow::Borrowed(line), framing: Framing::Bare }
}
pub fn cloud_logging_array(_doc: &[u8]) -> Result<(Vec<Framed<'static>>, usize), String> { Err("x".into()) }
