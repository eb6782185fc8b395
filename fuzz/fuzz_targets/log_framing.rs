#![no_main]
//! Fuzz target `log_framing`: see `ctsleuth_parse::replay::log_framing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::log_framing(data);
});
