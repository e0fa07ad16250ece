//! shipcheck: tells what truly shipped.

pub mod scenario;
