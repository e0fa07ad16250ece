//! shipcheck tells what truly shipped.
//!
//! Data flows git → [`truth`], records → [`records`] (histories), truth ×
//! history → [`audit`] (findings) → [`report`]. [`config`] says what the
//! components and change IDs are; [`cli`] only parses arguments and calls
//! the stages.

#![warn(missing_docs)]

pub mod audit;
pub mod cli;
pub mod config;
pub mod config_check;
pub mod error;
#[doc(hidden)]
pub mod fixture;
pub mod git;
pub mod input;
pub mod pipeline;
pub mod records;
pub mod report;
pub mod suggest;
pub mod text;
pub mod time;
pub mod truth;
pub mod version;
