#![no_main]
//! See `myriad_apiserver::fuzzing::request_body`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| myriad_apiserver::fuzzing::request_body(data));
