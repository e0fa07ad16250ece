//! One integration-test binary (link time matters on two cores).

mod common;

/// How the github format escapes a property value (used to predict file names).
pub fn report_escape(s: &str) -> String {
    shipcheck::report::escape_property(s)
}

mod suite {
    mod accuracy;
    mod agreement;
    mod audit_core;
    mod bench;
    mod cli;
    mod differential;
    mod docs;
    mod errors;
    mod fail_closed;
    mod findings;
    mod fuzz_corpus;
    mod gate;
    mod hostile;
    mod html;
    mod incident;
    mod isolation;
    mod layout;
    mod onboard;
    mod printed_lines;
    mod records_input;
    mod respond;
    mod scaling;
    mod sources;
    mod walk;
}
