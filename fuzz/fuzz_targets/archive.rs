#![no_main]
//! Fuzz target `archive`: see `ctsleuth_input::replay::archive`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_input::replay::archive(data);
});
