//! One file per subcommand: each turns parsed arguments into work on the
//! library modules and into output. No business rules live here.

pub mod parse;
