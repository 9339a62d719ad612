//! The folded form of a text that skill matching compares: every character lowercased
//! (Unicode `char::to_lowercase`), every run of whitespace turned into one space, plus the way
//! back from a folded byte offset to the original text's byte offset.
//!
//! Skill names and resume text go through this same fold, so the automaton compares bytes
//! exactly and needs no case-insensitive mode of its own: "Machine\n  Learning" and
//! "machine learning" fold to the same bytes. There is no accent stripping or NFKC: "Pokémon"
//! and "Pokemon" stay different, as they are different strings in the taxonomy too.

/// Marks a folded byte that does not start the fold of an original character: a UTF-8
/// continuation byte, or the second character of a one-to-many lowercase ('İ' -> "i̇").
const INSIDE_A_FOLD: usize = usize::MAX;

/// A folded copy of a text with, for each folded byte, the original byte offset it came from.
pub struct FoldedText {
    /// The folded text.
    pub text: String,
    /// `origin[i]` is the original byte offset of the character whose fold starts at folded
    /// byte `i`, `INSIDE_A_FOLD` elsewhere; `origin[text.len()]` is the original length.
    origin: Vec<usize>,
}

impl FoldedText {
    /// Folds `original`, remembering where each folded character came from.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        let mut in_space = false;
        for (at, c) in original.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    push_char(&mut text, &mut origin, ' ', at);
                }
                in_space = true;
                continue;
            }
            in_space = false;
            if c.is_ascii() {
                push_char(&mut text, &mut origin, c.to_ascii_lowercase(), at);
            } else {
                let mut lower = c.to_lowercase();
                if let Some(first) = lower.next() {
                    push_char(&mut text, &mut origin, first, at);
                }
                for rest in lower {
                    push_char(&mut text, &mut origin, rest, INSIDE_A_FOLD);
                }
            }
        }
        origin.push(original.len());
        FoldedText { text, origin }
    }

    /// The original byte offset of folded offset `at`, or None when `at` falls inside the fold
    /// of one original character (a match there would cut that character in half).
    pub fn original_offset(&self, at: usize) -> Option<usize> {
        self.origin.get(at).copied().filter(|&o| o != INSIDE_A_FOLD)
    }
}

/// Appends `c` to the folded text, its first byte mapped to `origin_at`, its others unmapped.
fn push_char(text: &mut String, origin: &mut Vec<usize>, c: char, origin_at: usize) {
    text.push(c);
    origin.push(origin_at);
    origin.extend(std::iter::repeat_n(INSIDE_A_FOLD, c.len_utf8() - 1));
}

/// The folded form of a skill name: lowercased, whitespace collapsed, trimmed.
pub fn fold_name(name: &str) -> String {
    FoldedText::new(name.trim()).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_collapses_whitespace() {
        let f = FoldedText::new("Machine\n\t Learning");
        assert_eq!(f.text, "machine learning");
        // "learning" starts at folded 8, original 10 (after "\n\t ").
        assert_eq!(f.original_offset(8), Some(10));
        assert_eq!(f.original_offset(f.text.len()), Some(18));
    }

    #[test]
    fn maps_multibyte_characters_back() {
        let f = FoldedText::new("Ärzte C++");
        assert_eq!(f.text, "ärzte c++");
        assert_eq!(f.original_offset(0), Some(0));
        assert_eq!(f.original_offset(1), None, "continuation byte of 'ä'");
        assert_eq!(f.original_offset(2), Some(2));
    }

    #[test]
    fn one_to_many_lowercase_has_no_offset_inside() {
        // 'İ' (2 bytes) lowercases to 'i' + U+0307 (1 + 2 bytes).
        let f = FoldedText::new("İx");
        assert_eq!(f.text, "i\u{307}x");
        assert_eq!(f.original_offset(0), Some(0));
        assert_eq!(f.original_offset(1), None, "the combining dot belongs to 'İ'");
        assert_eq!(f.original_offset(3), Some(2));
    }

    #[test]
    fn empty_text_folds_to_empty() {
        let f = FoldedText::new("");
        assert_eq!(f.text, "");
        assert_eq!(f.original_offset(0), Some(0));
        assert_eq!(f.original_offset(1), None);
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(fold_name("  Node.JS \n"), "node.js");
    }
}
