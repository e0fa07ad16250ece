//! shipcheck: tells what truly shipped.
