#![no_main]
//! Fuzz target `conntrack_s`: see `ctsleuth_parse::replay::conntrack_s`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::conntrack_s(data);
});
