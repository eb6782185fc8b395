#![no_main]
//! Fuzz target `sections`: see `ctsleuth_input::replay::sections`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_input::replay::sections(data);
});
