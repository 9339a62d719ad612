//! Location fit between a job and a candidate: remote 1.0, same city 1.0, same region
//! (metro area or country) 0.8, else 0.3 (the seed's map). Unknown locations score 0.5
//! and say so, rather than pass for a match or a mismatch.

use serde::Serialize;

/// Where a job is or a candidate lives. Empty strings count as unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    pub city: Option<String>,
    pub country: Option<String>,
}

impl Place {
    pub fn new(city: Option<&str>, country: Option<&str>) -> Self {
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Self { city: clean(city), country: clean(country) }
    }

    /// "City, Country" as people write it (the dev benchmark's resume `location`).
    pub fn parse(text: &str) -> Self {
        match text.rsplit_once(',') {
            Some((city, country)) => Self::new(Some(city), Some(country)),
            None => Self::new(None, Some(text)),
        }
    }

    pub fn is_known(&self) -> bool {
        self.city.is_some() || self.country.is_some()
    }

    pub fn label(&self) -> Option<String> {
        match (&self.city, &self.country) {
            (Some(c), Some(k)) => Some(format!("{c}, {k}")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(k)) => Some(k.clone()),
            (None, None) => None,
        }
    }
}

/// How the two places relate, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationMatch {
    Remote,
    SameCity,
    SameMetroArea,
    SameCountry,
    Elsewhere,
    Unknown,
}

impl LocationMatch {
    pub fn score(self) -> f32 {
        match self {
            Self::Remote | Self::SameCity => 1.0,
            Self::SameMetroArea | Self::SameCountry => 0.8,
            Self::Elsewhere => 0.3,
            Self::Unknown => 0.5,
        }
    }
}

/// Metro areas whose cities count as one region. Covers the cities of the sample data
/// and the dev benchmark plus their usual commuter neighbours; a city not listed is its
/// own metro area.
const METRO_AREAS: &[&[&str]] = &[
    &["san francisco", "oakland", "san jose", "berkeley", "palo alto", "mountain view", "sunnyvale", "redwood city"],
    &["new york", "brooklyn", "jersey city", "newark", "hoboken", "stamford"],
    &["boston", "cambridge", "somerville", "quincy"],
    &["seattle", "bellevue", "redmond", "tacoma"],
    &["los angeles", "santa monica", "pasadena", "long beach"],
    &["london", "croydon", "reading", "watford"],
    &["manchester", "salford", "stockport"],
    &["cologne", "köln", "düsseldorf", "dusseldorf", "bonn", "essen", "dortmund", "duisburg"],
    &["frankfurt am main", "frankfurt", "wiesbaden", "mainz", "darmstadt", "offenbach"],
    &["berlin", "potsdam"],
    &["munich", "münchen", "augsburg"],
    &["hamburg", "lübeck"],
    &["amsterdam", "rotterdam", "the hague", "utrecht", "haarlem"],
    &["paris", "boulogne-billancourt", "versailles", "saint-denis"],
    &["toronto", "mississauga", "brampton", "markham"],
];

fn metro_of(city: &str) -> Option<usize> {
    let city = city.to_lowercase();
    METRO_AREAS.iter().position(|cities| cities.contains(&city.as_str()))
}

fn same_text(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.to_lowercase() == b.to_lowercase())
}

/// Classifies a job's place against a candidate's.
pub fn location_match(job: &Place, job_remote: bool, candidate: &Place) -> LocationMatch {
    if job_remote {
        return LocationMatch::Remote;
    }
    if !job.is_known() || !candidate.is_known() {
        return LocationMatch::Unknown;
    }
    if same_text(&job.city, &candidate.city) {
        return LocationMatch::SameCity;
    }
    if let (Some(a), Some(b)) = (&job.city, &candidate.city) {
        if metro_of(a).is_some() && metro_of(a) == metro_of(b) {
            return LocationMatch::SameMetroArea;
        }
    }
    if same_text(&job.country, &candidate.country) {
        return LocationMatch::SameCountry;
    }
    LocationMatch::Elsewhere
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(city: &str, country: &str) -> Place {
        Place::new(Some(city), Some(country))
    }

    #[test]
    fn follows_the_seed_map() {
        let berlin = at("Berlin", "Germany");
        assert_eq!(location_match(&berlin, true, &at("Austin", "United States")).score(), 1.0);
        assert_eq!(location_match(&berlin, false, &at("berlin", "Germany")), LocationMatch::SameCity);
        assert_eq!(location_match(&at("Cologne", "Germany"), false, &at("Düsseldorf", "Germany")), LocationMatch::SameMetroArea);
        assert_eq!(location_match(&berlin, false, &at("Munich", "Germany")), LocationMatch::SameCountry);
        assert_eq!(location_match(&berlin, false, &at("Paris", "France")).score(), 0.3);
    }

    #[test]
    fn metro_area_crosses_no_border_by_accident() {
        let sf = at("San Francisco", "United States");
        assert_eq!(location_match(&sf, false, &at("San Jose", "United States")).score(), 0.8);
        assert_eq!(location_match(&sf, false, &at("Seattle", "United States")), LocationMatch::SameCountry);
    }

    #[test]
    fn unknown_is_neither_match_nor_mismatch() {
        assert_eq!(location_match(&Place::default(), false, &at("Berlin", "Germany")), LocationMatch::Unknown);
        assert_eq!(location_match(&at("Berlin", "Germany"), false, &Place::new(Some(" "), None)).score(), 0.5);
    }

    #[test]
    fn parses_city_country_text() {
        assert_eq!(Place::parse("Frankfurt am Main, Germany"), at("Frankfurt am Main", "Germany"));
        assert_eq!(Place::parse("Germany"), Place::new(None, Some("Germany")));
    }
}
