//! Readers of the data files the offline programs take as given.

pub mod reserved;
