#![no_main]
//! Fuzz target `log_message`: see `ctsleuth_parse::replay::log_message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ctsleuth_parse::replay::log_message(data);
});
