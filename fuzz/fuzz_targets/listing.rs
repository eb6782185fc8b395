#![no_main]
//! Fuzz target `listing`: see `ctsleuth_parse::replay::listing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::listing(data);
});
