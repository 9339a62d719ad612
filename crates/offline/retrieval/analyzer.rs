//! Text -> index terms for BM25: lowercase, split on every character that is not a letter or
//! digit (Unicode-aware, so "C++" -> "c", "Node.js" -> "node", "js"), optionally drop
//! English stopwords. No stemming: the benchmark's reference BM25 has none.

/// Lucene's classic English stop set (`EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`, 33 words):
/// function words that carry no topic and would only add noise to long resume queries.
const STOPWORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// The index terms of `text`, in order, repeats kept (they are term frequencies);
/// stopwords are dropped if `drop_stopwords`.
pub fn analyze(text: &str, drop_stopwords: bool) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !(drop_stopwords && is_stopword(word)))
        .collect()
}

/// Whether a lowercased word is in the stop set.
fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_splits_on_punctuation_and_drops_stopwords() {
        let text = "Senior Node.js engineer, C++ and SQL-Server!";
        assert_eq!(analyze(text, true), ["senior", "node", "js", "engineer", "c", "sql", "server"]);
        assert_eq!(analyze(text, false), ["senior", "node", "js", "engineer", "c", "and", "sql", "server"]);
    }

    #[test]
    fn keeps_digits_and_non_ascii_letters() {
        assert_eq!(analyze("Über 10 years of Python3", true), ["über", "10", "years", "python3"]);
    }

    #[test]
    fn empty_and_punctuation_only_texts_have_no_terms() {
        assert!(analyze("", false).is_empty());
        assert!(analyze(" -- ; ... ", false).is_empty());
        assert!(analyze("the and of", true).is_empty());
    }
}
