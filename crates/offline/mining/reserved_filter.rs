//! The reserved-occupation filter: the one place where training items of a reserved
//! occupation are dropped, counted so a caller can report how many went.

use crate::sources::reserved::ReservedOccupations;

/// Keeps only the items whose occupation is not reserved; returns how many were dropped.
pub fn drop_reserved<'o, T>(
    items: &mut Vec<T>,
    occupation_of: impl Fn(&T) -> &'o str,
    reserved: &ReservedOccupations,
) -> usize {
    let before = items.len();
    items.retain(|item| !reserved.contains(occupation_of(item)));
    before - items.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_and_counts_reserved_items_keeping_order() {
        let reserved = ReservedOccupations::from_keys(["11-1011.00", "http://data.europa.eu/esco/occupation/x"]);
        let mut items = vec![
            ("a", "15-1252.00"),
            ("b", "11-1011.00"),
            ("c", "http://data.europa.eu/esco/occupation/x"),
            ("d", "29-1141.00"),
        ];
        assert_eq!(drop_reserved(&mut items, |item| item.1, &reserved), 2);
        assert_eq!(items.iter().map(|i| i.0).collect::<Vec<_>>(), ["a", "d"]);
    }

    #[test]
    fn nothing_reserved_drops_nothing() {
        let reserved = ReservedOccupations::from_keys(["11-1011.00"]);
        let mut items = vec!["15-1252.00"];
        assert_eq!(drop_reserved(&mut items, |o| *o, &reserved), 0);
        let mut empty: Vec<&str> = Vec::new();
        assert_eq!(drop_reserved(&mut empty, |o| *o, &reserved), 0);
    }
}
