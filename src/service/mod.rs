//! What the command line and the console both do, below both of them: a
//! publication and its preview (`publication`), staff's edit of a letter's
//! text (`letter_edit`), the members list beside the configuration
//! (`members`), the French names of the codes people see (`words`).
//! `commands` and `console` call these; neither uses the other
//! (`commands::console` only starts the console).

pub mod letter_edit;
pub mod members;
pub mod publication;
pub mod words;
