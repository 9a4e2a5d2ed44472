#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rvirt_xml_fuzz::capabilities(data));
