//! Experience levels: the ladder a job asks for and a candidate stands on.

use serde::Serialize;

/// Levels lowest first, as in the `resonance.experience_level` domain (sql/resonance.sql).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExperienceLevel {
    Intern,
    Junior,
    Mid,
    Senior,
    Lead,
    Principal,
    Executive,
}

impl ExperienceLevel {
    pub const ALL: [ExperienceLevel; 7] = [
        Self::Intern,
        Self::Junior,
        Self::Mid,
        Self::Senior,
        Self::Lead,
        Self::Principal,
        Self::Executive,
    ];

    /// The level named exactly as in the schema ('senior'), case-insensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Intern => "intern",
            Self::Junior => "junior",
            Self::Mid => "mid",
            Self::Senior => "senior",
            Self::Lead => "lead",
            Self::Principal => "principal",
            Self::Executive => "executive",
        }
    }

    /// The level a candidate with `years` of experience usually holds, for resumes that
    /// state years but no level. Cut points follow common industry ladders
    /// (junior < 3 years, mid < 6, senior < 10), not a measured fit.
    pub fn from_years(years: f32) -> Self {
        match years {
            y if y < 1.0 => Self::Intern,
            y if y < 3.0 => Self::Junior,
            y if y < 6.0 => Self::Mid,
            y if y < 10.0 => Self::Senior,
            _ => Self::Lead,
        }
    }

    /// Steps from `self` up to `required` (0 when at or above it).
    pub fn steps_below(self, required: Self) -> usize {
        (required as usize).saturating_sub(self as usize)
    }
}

/// How well a candidate's level fits a job's: the seed's map (same or above 1.0, one
/// level below 0.7, two or more below 0.4).
pub fn experience_fit(candidate: ExperienceLevel, required: ExperienceLevel) -> f32 {
    match candidate.steps_below(required) {
        0 => 1.0,
        1 => 0.7,
        _ => 0.4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for level in ExperienceLevel::ALL {
            assert_eq!(ExperienceLevel::from_name(&level.name().to_uppercase()), Some(level));
        }
        assert_eq!(ExperienceLevel::from_name("wizard"), None);
        assert_eq!(ExperienceLevel::from_name(""), None);
    }

    #[test]
    fn fit_follows_the_seed_map() {
        use ExperienceLevel::*;
        assert_eq!(experience_fit(Senior, Senior), 1.0);
        assert_eq!(experience_fit(Lead, Senior), 1.0);
        assert_eq!(experience_fit(Mid, Senior), 0.7);
        assert_eq!(experience_fit(Junior, Senior), 0.4);
        assert_eq!(experience_fit(Intern, Executive), 0.4);
    }

    #[test]
    fn years_map_to_levels() {
        assert_eq!(ExperienceLevel::from_years(0.5), ExperienceLevel::Intern);
        assert_eq!(ExperienceLevel::from_years(1.5), ExperienceLevel::Junior);
        assert_eq!(ExperienceLevel::from_years(4.0), ExperienceLevel::Mid);
        assert_eq!(ExperienceLevel::from_years(8.0), ExperienceLevel::Senior);
        assert_eq!(ExperienceLevel::from_years(12.0), ExperienceLevel::Lead);
    }
}
