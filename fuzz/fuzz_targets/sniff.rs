#![no_main]
//! Fuzz target `sniff`: see `ctsleuth_parse::replay::sniff_target`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::sniff_target(data);
});
