#![no_main]
//! Fuzz target `proc_stat`: see `ctsleuth_parse::replay::proc_stat`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::proc_stat(data);
});
