//! One integration-test binary (link time matters on two cores).

mod common;

/// How the github format escapes a property value (used to predict file names).
pub fn report_escape(s: &str) -> String {
    shipcheck::report::escape_property(s)
}

mod suite {
    mod agreement;
    mod audit_core;
    mod bench;
    mod cli;
    mod differential;
    mod findings;
    mod gate;
    mod hostile;
    mod html;
    mod incident;
    mod layout;
    mod onboard;
    mod records_input;
    mod respond;
    mod sources;
    mod walk;
}
