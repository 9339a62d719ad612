//! Finding taxonomy skills in free text: every canonical name and alias goes into one
//! Aho-Corasick automaton over folded text (see `fold`, `automaton`); matches must stand
//! alone as tokens (see `boundary`); overlapping matches resolve leftmost-longest; ambiguous
//! short words count only in context (see `ambiguity`).
//!
//! Positions in `SkillMatch` are byte offsets into the original text, half-open
//! (`&text[start..end]` is the surface). `char_positions` turns them into SQL's 1-based
//! character positions.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::ambiguity::{is_cased, keep_in_context, AmbiguityRules, Span};
use super::automaton::Automaton;
use super::boundary::{is_token, is_word_char};
use super::fold::{fold_name, FoldedText};
use super::SkillId;
use crate::error::{EngineError, Result};
use crate::snapshot::{Column, Snapshot, SnapshotWriter};

/// One taxonomy skill as the extractor needs it.
#[derive(Clone, Debug)]
pub struct SkillEntry {
    pub skill: SkillId,
    pub name: String,
    pub aliases: Vec<String>,
}

/// One occurrence of a skill in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkillMatch {
    pub skill: SkillId,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset just past the last byte (`&text[start..end] == surface`).
    pub end: usize,
    /// The text as written ("C++", "Node.JS", "machine\nlearning").
    pub surface: String,
}

/// A match's position as SQL counts: 1-based characters, both ends inclusive, so
/// `substr(text, start_pos, end_pos - start_pos + 1)` is the surface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharSpan {
    pub start_pos: usize,
    pub end_pos: usize,
}

/// One distinct folded form and the skill it stands for, while the extractor is built.
struct Form {
    skill: SkillId,
    /// The form is the skill's canonical name (not only an alias).
    is_name: bool,
    /// The form needs the ambiguity rule.
    ambiguous: bool,
    /// The form is digit-only or one character and not ambiguous: found by `lookup`, never
    /// in text (see `AmbiguityRules::matchable`).
    unmatchable: bool,
    /// How the taxonomy writes it (kept for ambiguous forms only: the casing rule).
    declared: Vec<String>,
}

/// Bits of a form's flags in the snapshot.
const IS_NAME: u8 = 1;
const AMBIGUOUS: u8 = 2;
const UNMATCHABLE: u8 = 4;

/// The prefix of the extractor's section names in a snapshot.
pub const SNAPSHOT_PREFIX: &str = "extract";

/// A match found by the automaton, in folded byte offsets, before selection.
#[derive(Clone, Copy)]
struct AutomatonHit {
    start: usize,
    end: usize,
    form: usize,
}

/// Finds taxonomy skills in text. Built once per taxonomy into snapshot sections (see
/// `crate::snapshot`), which any number of processes can then search in place.
pub struct SkillExtractor {
    automaton: Automaton,
    /// Per form (the automaton's pattern ids): its skill and its flags.
    form_skill: Column<u32>,
    form_flags: Column<u8>,
    /// How the taxonomy writes each ambiguous form (the casing rule); few, so copied.
    declared: HashMap<usize, Vec<String>>,
    cues: Vec<String>,
    /// Forms claimed by more than one skill, resolved to one (see `claim`), and forms left
    /// out of text matching as digit-only or one character.
    counts: Column<u32>,
}

impl SkillExtractor {
    /// Builds the matcher from `entries` and the ambiguity rules (`AmbiguityRules::default()`
    /// for the built-in lists). Errors on a repeated skill id or a name with no letter or digit.
    pub fn new(entries: &[SkillEntry], rules: &AmbiguityRules) -> Result<Self> {
        let mut w = SnapshotWriter::new();
        Self::write(&mut w, entries, rules)?;
        Self::open(&Snapshot::open(Arc::new(w.finish(STANDALONE_KIND, 1)), STANDALONE_KIND, 1)?)
    }

    /// Writes the matcher's sections into `w` (see `new`).
    pub fn write(w: &mut SnapshotWriter, entries: &[SkillEntry], rules: &AmbiguityRules) -> Result<()> {
        let compiled = rules.compile();
        let mut forms: Vec<Form> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut seen = HashSet::new();
        let (mut shared_forms, mut unmatchable_forms) = (0u32, 0u32);
        for entry in entries {
            if !seen.insert(entry.skill) {
                return Err(EngineError::InvalidInput(format!("skill id {} is listed twice", entry.skill.0)));
            }
            if !has_word_char(&entry.name) {
                return Err(EngineError::InvalidInput(format!(
                    "skill id {} has name {:?}, which has no letter or digit to match",
                    entry.skill.0, entry.name
                )));
            }
            let written = std::iter::once((&entry.name, true)).chain(entry.aliases.iter().map(|a| (a, false)));
            // Aliases with nothing to match ("", "-") are skipped: SQL arrays carry such leftovers.
            for (text, is_name) in written.filter(|(t, _)| has_word_char(t)) {
                let folded = fold_name(text);
                let unmatchable = !AmbiguityRules::matchable(&compiled, &folded);
                unmatchable_forms += u32::from(unmatchable);
                let ambiguous = compiled.forms.contains(&folded);
                let declared = if ambiguous { vec![text.trim().to_string()] } else { Vec::new() };
                let candidate = Form { skill: entry.skill, is_name, ambiguous, unmatchable, declared };
                match index.get(&folded) {
                    Some(&at) => shared_forms += u32::from(claim(&mut forms[at], candidate)),
                    None => {
                        index.insert(folded.clone(), forms.len());
                        forms.push(candidate);
                        patterns.push(folded);
                    }
                }
            }
        }
        let bytes: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
        let section = |part: &str| format!("{SNAPSHOT_PREFIX}.{part}");
        Automaton::write(w, &section("automaton"), &bytes)?;
        w.u32s(&section("form_skill"), forms.iter().map(|f| f.skill.0));
        let flags: Vec<u8> = forms
            .iter()
            .map(|f| u8::from(f.is_name) * IS_NAME | u8::from(f.ambiguous) * AMBIGUOUS | u8::from(f.unmatchable) * UNMATCHABLE)
            .collect();
        w.bytes(&section("form_flags"), &flags);
        let declared: Vec<(u32, &str)> = forms
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.declared.iter().map(move |d| (i as u32, d.as_str())))
            .collect();
        w.u32s(&section("declared_form"), declared.iter().map(|d| d.0));
        w.strings(&section("declared"), declared.iter().map(|d| d.1));
        w.strings(&section("cues"), compiled.cues.iter().map(String::as_str));
        w.u32s(&section("counts"), [shared_forms, unmatchable_forms]);
        Ok(())
    }

    /// The matcher written into `snapshot` by `write`.
    pub fn open(snapshot: &Snapshot) -> Result<Self> {
        let section = |part: &str| format!("{SNAPSHOT_PREFIX}.{part}");
        let declared_form = snapshot.u32s(&section("declared_form"))?;
        let declared_text = snapshot.strings(&section("declared"))?;
        let mut declared: HashMap<usize, Vec<String>> = HashMap::new();
        for (i, form) in declared_form.view().iter().enumerate() {
            declared.entry(form as usize).or_default().push(declared_text.get(i).to_string());
        }
        let cues = snapshot.strings(&section("cues"))?;
        let extractor = SkillExtractor {
            automaton: Automaton::open(snapshot, &section("automaton"))?,
            form_skill: snapshot.u32s(&section("form_skill"))?,
            form_flags: snapshot.bytes(&section("form_flags"))?,
            declared,
            cues: (0..cues.len()).map(|i| cues.get(i).to_string()).collect(),
            counts: snapshot.u32s(&section("counts"))?,
        };
        if extractor.form_flags.len() != extractor.form_skill.len() || extractor.counts.len() != 2 {
            return Err(EngineError::Io { what: "skill extractor snapshot".into(), reason: "its form lists disagree".into() });
        }
        Ok(extractor)
    }

    /// Every skill occurrence in `text`, in text order, non-overlapping.
    pub fn extract(&self, text: &str) -> Vec<SkillMatch> {
        let folded = FoldedText::new(text);
        let mut candidates = self.candidates(&folded);
        candidates.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end), c.form));
        // Select leftmost-longest, then judge ambiguous picks in context. A rejected pick leaves
        // the pool and selection runs again, so a shorter match it hid can still be found.
        loop {
            let chosen = leftmost_longest(&candidates);
            let spans: Vec<Span> = chosen.iter().map(|c| self.span(c, text, &folded)).collect();
            let keep = keep_in_context(&folded.text, &spans, &self.cues);
            if keep.iter().all(|&k| k) {
                return chosen.iter().map(|c| self.to_match(c, text, &folded)).collect();
            }
            let rejected: HashSet<(usize, usize, usize)> =
                chosen.iter().zip(&keep).filter(|(_, &k)| !k).map(|(c, _)| (c.start, c.end, c.form)).collect();
            candidates.retain(|c| !rejected.contains(&(c.start, c.end, c.form)));
        }
    }

    /// The skill whose name or alias folds to the same form as `name` (digit-only and
    /// one-character forms included, which text matching leaves out).
    pub fn lookup(&self, name: &str) -> Option<SkillId> {
        let form = self.automaton.find_exact(fold_name(name).as_bytes())?;
        Some(self.skill_of(form as usize))
    }

    /// Distinct forms (names and aliases after folding) in the matcher, including those
    /// left out of text matching.
    pub fn form_count(&self) -> usize {
        self.form_skill.len()
    }

    /// Forms that more than one skill declared; each was given to one skill (see `claim`).
    pub fn shared_form_count(&self) -> usize {
        self.counts.view().get(0) as usize
    }

    /// Forms left out because they are digit-only or one character and not ambiguous.
    pub fn unmatchable_form_count(&self) -> usize {
        self.counts.view().get(1) as usize
    }

    /// Bytes the automaton uses.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.bytes()
    }

    fn skill_of(&self, form: usize) -> SkillId {
        SkillId(self.form_skill.view().get(form))
    }

    fn flags(&self, form: usize) -> u8 {
        self.form_flags.view().get(form)
    }

    /// Automaton hits in `folded` that may match in text, stand alone as tokens and map back
    /// to the original text.
    fn candidates(&self, folded: &FoldedText) -> Vec<AutomatonHit> {
        let flags = self.form_flags.view();
        let mut hits = Vec::new();
        self.automaton.for_each_match(folded.text.as_bytes(), |start, end, form| {
            let form = form as usize;
            let usable = flags.get(form) & UNMATCHABLE == 0
                && folded.original_offset(start).is_some()
                && folded.original_offset(end).is_some()
                && is_token(&folded.text, start, end);
            if usable {
                hits.push(AutomatonHit { start, end, form });
            }
        });
        hits
    }

    /// The context rule's view of a chosen candidate.
    fn span(&self, c: &AutomatonHit, text: &str, folded: &FoldedText) -> Span {
        let ambiguous = self.flags(c.form) & AMBIGUOUS != 0;
        let declared = self.declared.get(&c.form).map(Vec::as_slice).unwrap_or_default();
        let cased = ambiguous && is_cased(original(c, text, folded), declared);
        Span { start: c.start, end: c.end, ambiguous, cased }
    }

    /// The public match for a chosen candidate.
    fn to_match(&self, c: &AutomatonHit, text: &str, folded: &FoldedText) -> SkillMatch {
        let start = folded.original_offset(c.start).unwrap_or(0);
        let end = folded.original_offset(c.end).unwrap_or(start);
        SkillMatch { skill: self.skill_of(c.form), start, end, surface: text[start..end].to_string() }
    }
}

/// The snapshot kind of an extractor built on its own (`SkillExtractor::new`).
const STANDALONE_KIND: &str = "skill extractor";

/// Resolves a form declared again (by `incoming`): the same skill merges its spellings; between
/// different skills a canonical name beats an alias, then the lower id wins, so the outcome does
/// not depend on input order. Returns whether two different skills claimed the form.
fn claim(held: &mut Form, incoming: Form) -> bool {
    if held.skill == incoming.skill {
        held.is_name |= incoming.is_name;
        held.declared.extend(incoming.declared);
        return false;
    }
    let incoming_wins = (!incoming.is_name, incoming.skill) < (!held.is_name, held.skill);
    if incoming_wins {
        *held = incoming;
    }
    true
}

/// Whether `s` has a letter or digit (something a token could match on).
fn has_word_char(s: &str) -> bool {
    s.chars().any(is_word_char)
}

/// The original text a candidate covers.
fn original<'t>(c: &AutomatonHit, text: &'t str, folded: &FoldedText) -> &'t str {
    match (folded.original_offset(c.start), folded.original_offset(c.end)) {
        (Some(s), Some(e)) => &text[s..e],
        _ => "",
    }
}

/// Greedy leftmost-longest choice among candidates sorted by (start, longest first).
fn leftmost_longest(sorted: &[AutomatonHit]) -> Vec<AutomatonHit> {
    let mut chosen = Vec::new();
    let mut free_from = 0;
    for c in sorted {
        if c.start >= free_from {
            chosen.push(*c);
            free_from = c.end;
        }
    }
    chosen
}

/// The distinct skills of `matches`, in order of first occurrence.
pub fn distinct_skills(matches: &[SkillMatch]) -> Vec<SkillId> {
    let mut seen = HashSet::new();
    matches.iter().map(|m| m.skill).filter(|s| seen.insert(*s)).collect()
}

/// SQL positions (1-based characters, inclusive ends) of `matches` in `text`, in the same
/// order. Errors when a match does not fit `text` (positions from another text).
pub fn char_positions(text: &str, matches: &[SkillMatch]) -> Result<Vec<CharSpan>> {
    // Count characters once up to each needed byte offset, visiting offsets in order.
    let mut offsets: Vec<usize> = matches.iter().flat_map(|m| [m.start, m.end]).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut chars_before: HashMap<usize, usize> = HashMap::with_capacity(offsets.len());
    let (mut byte, mut count) = (0, 0);
    for &target in &offsets {
        if target > text.len() || !text.is_char_boundary(target) {
            return Err(EngineError::InvalidInput(format!(
                "skill match offset {target} is not a character boundary of the given text"
            )));
        }
        count += text[byte..target].chars().count();
        byte = target;
        chars_before.insert(target, count);
    }
    matches
        .iter()
        .map(|m| {
            if m.end <= m.start {
                return Err(EngineError::InvalidInput(format!("skill match {}..{} is empty", m.start, m.end)));
            }
            Ok(CharSpan { start_pos: chars_before[&m.start] + 1, end_pos: chars_before[&m.end] })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An extractor over `(id, name, aliases)` with the default ambiguity rules.
    fn extractor(skills: &[(u32, &str, &[&str])]) -> SkillExtractor {
        extractor_with(skills, &AmbiguityRules::default())
    }

    /// An extractor over `(id, name, aliases)` with the given rules.
    fn extractor_with(skills: &[(u32, &str, &[&str])], rules: &AmbiguityRules) -> SkillExtractor {
        let entries: Vec<SkillEntry> = skills
            .iter()
            .map(|(id, name, aliases)| SkillEntry {
                skill: SkillId(*id),
                name: name.to_string(),
                aliases: aliases.iter().map(|a| a.to_string()).collect(),
            })
            .collect();
        SkillExtractor::new(&entries, rules).expect("valid taxonomy")
    }

    /// The surfaces found in `text`.
    fn surfaces(x: &SkillExtractor, text: &str) -> Vec<String> {
        x.extract(text).into_iter().map(|m| m.surface).collect()
    }

    const TECH: &[(u32, &str, &[&str])] = &[
        (0, "C++", &["cpp"]),
        (1, "C#", &[]),
        (2, ".NET", &["dotnet"]),
        (3, "Node.js", &["NodeJS", "node"]),
        (4, "CI/CD", &[]),
        (5, "PL/SQL", &[]),
        (6, "C", &[]),
        (7, "Java", &[]),
        (8, "SQL", &[]),
        (9, "JavaScript", &["JS"]),
    ];

    #[test]
    fn tokens_with_symbols() {
        let x = extractor(TECH);
        let text = "Skills: C++, C#, Java (Node.js), CI/CD and PL/SQL; ASP.NET MVC, C-level reporting.";
        assert_eq!(surfaces(&x, text), ["C++", "C#", "Java", "Node.js", "CI/CD", "PL/SQL", ".NET"]);
    }

    #[test]
    fn symbol_tokens_in_parentheses_and_at_edges() {
        let x = extractor(TECH);
        assert_eq!(surfaces(&x, "(C++)"), ["C++"]);
        assert_eq!(surfaces(&x, "C++"), ["C++"]);
        assert_eq!(surfaces(&x, "C#/.NET"), ["C#", ".NET"]);
        // "js" is an alias of JavaScript but here it is part of "Node.js", which wins.
        assert_eq!(surfaces(&x, "node.js"), ["node.js"]);
    }

    #[test]
    fn longer_taxonomy_name_beats_symbol_suffix() {
        let mut skills = TECH.to_vec();
        skills.push((10, "ASP.NET", &[]));
        let x = extractor(&skills);
        let found = x.extract("ASP.NET and VB.NET");
        let ids: Vec<u32> = found.iter().map(|m| m.skill.0).collect();
        assert_eq!(ids, [10, 2]);
    }

    #[test]
    fn overlapping_aliases_resolve_leftmost_longest() {
        let x = extractor(&[
            (0, "machine learning", &["ML"]),
            (1, "machine learning engineering", &[]),
            (2, "learning", &[]),
        ]);
        let found = x.extract("Machine Learning Engineering, then machine learning; continuous learning");
        let ids: Vec<u32> = found.iter().map(|m| m.skill.0).collect();
        assert_eq!(ids, [1, 0, 2]);
        assert_eq!(found[0].surface, "Machine Learning Engineering");
    }

    #[test]
    fn shorter_match_survives_when_longest_fails_its_boundary() {
        let x = extractor(&[(0, "SQL", &[]), (1, "SQL Server", &[])]);
        assert_eq!(surfaces(&x, "SQL Serverless functions"), ["SQL"]);
        assert_eq!(surfaces(&x, "SQL Server 2019"), ["SQL Server"]);
    }

    #[test]
    fn case_whitespace_and_versions_are_folded() {
        let x = extractor(&[(0, "Python", &[]), (1, "machine learning", &[])]);
        assert_eq!(
            surfaces(&x, "PYTHON, python; Python3.11"),
            ["PYTHON", "python", "Python"],
            "the version is not part of the surface"
        );
        assert_eq!(surfaces(&x, "Machine\n   Learning"), ["Machine\n   Learning"]);
        assert!(x.extract("pythonic code").is_empty());
    }

    #[test]
    fn positions_are_byte_offsets_into_the_original() {
        let x = extractor(&[(0, "Python", &[]), (1, "ärztliche dokumentation", &[])]);
        let text = "Café — ÄRZTLICHE DOKUMENTATION, Python";
        let found = x.extract(text);
        assert_eq!(found.len(), 2);
        for m in &found {
            assert_eq!(&text[m.start..m.end], m.surface);
        }
        assert_eq!(found[0].surface, "ÄRZTLICHE DOKUMENTATION");
        assert_eq!(found[1].start, text.len() - "Python".len());
    }

    #[test]
    fn match_may_not_cut_a_one_to_many_lowercase() {
        // 'İ' folds to "i̇"; a skill "i" must not match its first half. A one-letter form is
        // matched only as an ambiguous form, in context.
        let rules = AmbiguityRules { forms: vec!["i".into()], cues: vec!["skills".into()] };
        let x = extractor_with(&[(0, "i", &[])], &rules);
        assert!(x.extract("Skills: İ").is_empty());
        assert_eq!(surfaces(&x, "Skills: I"), ["I"]);
    }

    #[test]
    fn empty_and_skill_free_text() {
        let x = extractor(TECH);
        assert!(x.extract("").is_empty());
        assert!(x.extract("   \n\t").is_empty());
        assert!(x.extract("gardening and cooking").is_empty());
    }

    #[test]
    fn repeated_skill_keeps_every_occurrence_and_dedupes_on_request() {
        let x = extractor(&[(0, "Python", &["py"]), (1, "SQL", &[])]);
        let found = x.extract("Python and SQL. More python, py scripts.");
        assert_eq!(found.len(), 4);
        assert_eq!(distinct_skills(&found), [SkillId(0), SkillId(1)]);
        assert!(distinct_skills(&[]).is_empty());
    }

    const AMBIGUOUS: &[(u32, &str, &[&str])] = &[
        (0, "Go", &["Golang"]),
        (1, "R", &[]),
        (2, "Rust", &[]),
        (3, "Python", &[]),
        (4, "Excel", &["Microsoft Excel"]),
        (5, "SQL", &[]),
        (6, "Spring", &[]),
    ];

    #[test]
    fn ambiguous_words_without_context_are_dropped() {
        let x = extractor(AMBIGUOUS);
        assert!(x.extract("I love to go hiking.").is_empty(), "lowercase");
        assert!(x.extract("Go to market strategy").is_empty(), "no cue, no list");
        assert!(x.extract("Excel at teamwork and rust removal").is_empty());
        assert!(x.extract("Joined in Spring 2020").is_empty());
        assert!(x.extract("Skills matter. Go home").is_empty(), "cue in an earlier sentence");
        assert!(x.extract("r and SQL").iter().all(|m| m.surface != "r"), "lowercase r");
    }

    #[test]
    fn ambiguous_words_in_context_are_kept() {
        let x = extractor(AMBIGUOUS);
        assert_eq!(surfaces(&x, "Languages: Go, Rust"), ["Go", "Rust"]);
        assert_eq!(surfaces(&x, "Python, Go and R"), ["Python", "Go", "R"]);
        assert_eq!(surfaces(&x, "R and SQL"), ["R", "SQL"]);
        assert_eq!(surfaces(&x, "Proficient in Excel"), ["Excel"]);
        assert_eq!(surfaces(&x, "experience with Go."), ["Go"]);
        // Unambiguous forms of the same skills need no context.
        assert_eq!(surfaces(&x, "wrote golang and microsoft excel macros"), ["golang", "microsoft excel"]);
    }

    #[test]
    fn ambiguous_rule_follows_the_callers_lists() {
        let none = extractor_with(AMBIGUOUS, &AmbiguityRules::none());
        assert_eq!(surfaces(&none, "go hiking"), ["go"]);
        let custom = AmbiguityRules { forms: vec!["PYTHON".into()], cues: vec!["snakes".into()] };
        let x = extractor_with(AMBIGUOUS, &custom);
        assert!(x.extract("Python is fun").is_empty());
        assert_eq!(surfaces(&x, "Snakes: Python"), ["Python"]);
        assert_eq!(surfaces(&x, "go hiking"), ["go"], "no longer ambiguous");
    }

    #[test]
    fn lowercase_taxonomy_falls_back_to_capitalised_text() {
        let x = extractor(&[(0, "go", &[]), (1, "python", &[])]);
        assert_eq!(surfaces(&x, "Python, Go"), ["Python", "Go"]);
        assert_eq!(surfaces(&x, "Python, go"), ["Python"]);
    }

    #[test]
    fn digit_and_one_letter_forms_match_only_through_the_ambiguity_rule() {
        let x = extractor(&[
            (0, "Unity (digital game creation systems)", &["Unity", "4", "5"]),
            (1, "C", &[]),
            (2, "X Window System", &["X"]),
            (3, "Python", &[]),
        ]);
        assert_eq!(x.unmatchable_form_count(), 3, "4, 5 and X");
        assert!(x.extract("Accountant with 4 years of experience, 5 of them remote").is_empty());
        assert!(x.extract("Worked on X and Y").is_empty());
        assert_eq!(surfaces(&x, "Languages: C, Python"), ["C", "Python"], "C is an ambiguous form");
    }

    #[test]
    fn real_short_skills_still_match_where_the_ambiguity_rules_allow() {
        let x = extractor(&[
            (0, "C (programming language)", &["C"]),
            (1, "R (programming language)", &["R"]),
            (2, "Go (programming language)", &["Go"]),
            (3, "SQL", &[]),
            (4, "Microsoft Excel", &["Excel"]),
            (5, "C++", &[]),
            (6, "C#", &[]),
        ]);
        assert_eq!(surfaces(&x, "Skills: C, R, Go, SQL, Excel, C++, C#"), ["C", "R", "Go", "SQL", "Excel", "C++", "C#"]);
        assert_eq!(surfaces(&x, "Wrote SQL and C++ daily, some C#"), ["SQL", "C++", "C#"]);
        assert!(x.extract("Plan C. Go to R. Excel at it.").is_empty(), "ambiguous forms out of context");
    }

    #[test]
    fn shared_form_goes_to_the_canonical_name_then_lowest_id() {
        let x = extractor(&[(5, "ML", &[]), (2, "machine learning", &["ML"]), (9, "Markup", &["ml"])]);
        assert_eq!(x.shared_form_count(), 2);
        assert_eq!(x.extract("ML")[0].skill, SkillId(5));
        let y = extractor(&[(7, "a", &["shared"]), (3, "b", &["shared"])]);
        assert_eq!(y.extract("shared")[0].skill, SkillId(3));
    }

    #[test]
    fn bad_taxonomy_is_rejected_with_the_skill_named() {
        let entry = |id, name: &str, aliases: &[&str]| SkillEntry {
            skill: SkillId(id),
            name: name.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        };
        let rules = AmbiguityRules::default();
        let twice = SkillExtractor::new(&[entry(1, "a", &[]), entry(1, "b", &[])], &rules);
        assert!(twice.err().unwrap().to_string().contains("skill id 1 is listed twice"));
        let blank = SkillExtractor::new(&[entry(4, " -- ", &[])], &rules);
        assert!(blank.err().unwrap().to_string().contains("skill id 4"));
        // Empty and symbol-only aliases are skipped, not fatal.
        let ok = SkillExtractor::new(&[entry(0, "Kotlin", &["", "+", "kt"])], &rules).unwrap();
        assert_eq!(ok.form_count(), 2);
        assert!(ok.extract("a + b").is_empty());
    }

    #[test]
    fn empty_taxonomy_matches_nothing() {
        let x = SkillExtractor::new(&[], &AmbiguityRules::default()).unwrap();
        assert!(x.extract("Python").is_empty());
    }

    #[test]
    fn char_positions_are_one_based_inclusive() {
        let x = extractor(&[(0, "Python", &[]), (1, "C++", &[])]);
        let text = "Café: Python, C++";
        let found = x.extract(text);
        let spans = char_positions(text, &found).unwrap();
        assert_eq!(spans, [CharSpan { start_pos: 7, end_pos: 12 }, CharSpan { start_pos: 15, end_pos: 17 }]);
        let chars: Vec<char> = text.chars().collect();
        let first: String = chars[spans[0].start_pos - 1..spans[0].end_pos].iter().collect();
        assert_eq!(first, "Python");
    }

    #[test]
    fn char_positions_reject_matches_from_another_text() {
        let m = SkillMatch { skill: SkillId(0), start: 1, end: 3, surface: "xx".into() };
        assert!(char_positions("é", std::slice::from_ref(&m)).is_err(), "offset 1 is inside 'é'");
        assert!(char_positions("ab", &[m]).is_err(), "offset 3 is past the end");
        let empty = SkillMatch { skill: SkillId(0), start: 1, end: 1, surface: String::new() };
        assert!(char_positions("ab", &[empty]).is_err());
        assert!(char_positions("ab", &[]).unwrap().is_empty());
    }
}
