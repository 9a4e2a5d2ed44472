//! A small re-creation of virsh's shell layer (vsh): tokenizing, the command table with
//! option specifications, parsing, and help pages.

pub mod help;
pub mod parser;
pub mod spec;
pub mod tokenizer;
