#![no_main]
//! Fuzz target `sysctl`: see `ctsleuth_parse::replay::sysctl`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::sysctl(data);
});
