#![no_main]
//! Fuzz target `events`: see `ctsleuth_parse::replay::events`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::events(data);
});
