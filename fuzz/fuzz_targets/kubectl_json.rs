#![no_main]
//! Fuzz target `kubectl_json`: see `ctsleuth_parse::replay::inventory`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::inventory(data);
});
