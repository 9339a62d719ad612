//! Curated technology names with the spellings job ads use for them ("Postgres",
//! "k8s", "JS"). skill-extractor's list is lowercase and has no synonyms; this table gives
//! common technologies their usual display name and aliases. A name that ESCO already has
//! ("MySQL", "Python (computer programming)") is merged into the ESCO skill by the skill set,
//! which then carries these aliases too.
//!
//! Aliases that are ordinary words or other common abbreviations ("go", "r", "spring",
//! "express", "rest", "excel", "CV", "TS") are left out on purpose: skill extraction
//! matches aliases in free text, where they would fire on "the rest of", "excel at" or a
//! resume's "CV". The ambiguous names themselves are qualified instead
//! ("Go (programming language)").

/// (display name, aliases) of each curated technology.
pub const CURATED_TECHNOLOGIES: &[(&str, &[&str])] = &[
    // Programming languages.
    ("Python", &["Python 3", "Python3", "Python programming"]),
    ("Java", &["Java programming", "Java SE", "Java EE", "J2EE"]),
    ("JavaScript", &["JS", "ECMAScript", "ES6", "Javascript programming"]),
    ("TypeScript", &[]),
    ("C (programming language)", &["C programming", "C language", "ANSI C"]),
    ("C++", &["CPP", "C plus plus", "C++ programming"]),
    ("C#", &["C sharp", "CSharp", "C# programming"]),
    ("Go (programming language)", &["Golang", "Go lang", "Go programming"]),
    ("Rust (programming language)", &["Rust programming", "Rust lang"]),
    ("Ruby (programming language)", &["Ruby programming"]),
    ("PHP", &["PHP programming"]),
    ("Swift (programming language)", &["Swift programming", "SwiftUI"]),
    ("Kotlin", &[]),
    ("Scala", &[]),
    ("R (programming language)", &["R programming", "R language", "RStudio"]),
    ("MATLAB", &["Matlab programming"]),
    ("Perl", &[]),
    ("Objective-C", &["ObjC", "Obj-C", "Objective C"]),
    ("Visual Basic for Applications", &["VBA", "Excel VBA"]),
    ("Bash", &["Bash scripting", "Shell scripting", "Unix shell"]),
    ("PowerShell", &["Power Shell"]),
    ("SQL", &["Structured Query Language", "SQL programming"]),
    ("PL/SQL", &["PLSQL"]),
    ("T-SQL", &["TSQL", "Transact-SQL"]),
    ("HTML", &["HTML5", "HTML 5"]),
    ("CSS", &["CSS3", "CSS 3", "Cascading Style Sheets"]),
    ("Sass", &["SCSS"]),
    ("GraphQL", &[]),
    ("Solidity", &[]),
    ("Dart (programming language)", &["Dart programming"]),
    ("Elixir", &[]),
    ("Haskell", &[]),
    ("Lua", &[]),
    ("Julia (programming language)", &["Julia programming"]),
    ("COBOL", &[]),
    ("Fortran", &[]),
    // Web and application frameworks.
    ("React", &["React.js", "ReactJS", "React JS"]),
    ("React Native", &["React-Native"]),
    ("Angular", &["AngularJS", "Angular.js", "Angular 2+"]),
    ("Vue.js", &["VueJS", "Vue", "Vue 3"]),
    ("Svelte", &["SvelteKit"]),
    ("Next.js", &["NextJS", "Next JS"]),
    ("Nuxt.js", &["NuxtJS", "Nuxt"]),
    ("Node.js", &["NodeJS", "Node JS"]),
    ("Express.js", &["ExpressJS", "Express framework"]),
    ("Django", &["Django framework"]),
    ("Flask", &["Flask framework"]),
    ("FastAPI", &["Fast API"]),
    ("Spring Framework", &["Spring MVC", "Java Spring"]),
    ("Spring Boot", &["SpringBoot"]),
    ("Ruby on Rails", &["RoR"]),
    ("Laravel", &[]),
    ("Symfony", &[]),
    (".NET", &["dotnet", ".NET Framework", ".NET Core", "dot net"]),
    ("ASP.NET", &["ASP.NET Core", "ASP.NET MVC"]),
    ("jQuery", &[]),
    ("Bootstrap (front-end framework)", &["Twitter Bootstrap"]),
    ("Tailwind CSS", &["TailwindCSS"]),
    ("Redux", &["Redux Toolkit"]),
    ("Hibernate", &["Hibernate ORM"]),
    ("Flutter", &[]),
    ("Xamarin", &[]),
    ("Qt", &["Qt framework"]),
    ("Unity (game engine)", &["Unity3D", "Unity 3D"]),
    ("Unreal Engine", &["UE4", "UE5"]),
    // Machine learning and data.
    ("TensorFlow", &["Tensor Flow"]),
    ("PyTorch", &[]),
    ("Keras", &[]),
    ("scikit-learn", &["sklearn", "scikit learn"]),
    ("pandas", &["Python pandas"]),
    ("NumPy", &[]),
    ("SciPy", &[]),
    ("Apache Spark", &["PySpark", "Spark SQL"]),
    ("Apache Hadoop", &["Hadoop", "HDFS"]),
    ("Apache Kafka", &["Kafka"]),
    ("Apache Airflow", &[]),
    ("dbt", &["data build tool"]),
    ("Databricks", &[]),
    ("Jupyter", &["Jupyter Notebook", "JupyterLab"]),
    ("Machine learning", &["ML"]),
    ("Deep learning", &[]),
    ("Natural language processing", &["NLP"]),
    ("Computer vision", &[]),
    ("Large language models", &["LLM", "LLMs"]),
    ("Power BI", &["PowerBI", "Microsoft Power BI"]),
    ("Tableau", &[]),
    ("Looker", &[]),
    ("Microsoft Excel", &["MS Excel", "Excel spreadsheets"]),
    ("ETL", &["Extract, transform, load"]),
    // Databases.
    ("PostgreSQL", &["Postgres", "Postgre SQL", "PostgresSQL", "psql"]),
    ("MySQL", &["My SQL"]),
    ("SQLite", &[]),
    ("Oracle Database", &["Oracle DB", "Oracle RDBMS"]),
    ("Microsoft SQL Server", &["MS SQL", "MSSQL", "SQL Server", "MS SQL Server"]),
    ("MongoDB", &["Mongo", "Mongo DB"]),
    ("Redis", &[]),
    ("Elasticsearch", &["Elastic Search", "ELK stack"]),
    ("Apache Cassandra", &["Cassandra"]),
    ("Amazon DynamoDB", &["DynamoDB"]),
    ("Snowflake (data warehouse)", &["Snowflake DB"]),
    ("Google BigQuery", &["BigQuery"]),
    ("Amazon Redshift", &["Redshift"]),
    ("Neo4j", &[]),
    ("MariaDB", &[]),
    ("Firebase", &[]),
    // Cloud, infrastructure, DevOps.
    ("Amazon Web Services", &["AWS", "Amazon AWS"]),
    ("Microsoft Azure", &["Azure", "Azure cloud"]),
    ("Google Cloud Platform", &["GCP", "Google Cloud"]),
    ("Docker", &["Docker containers"]),
    ("Kubernetes", &["K8s", "Kube"]),
    ("Helm (Kubernetes package manager)", &["Helm charts"]),
    ("Terraform", &["HashiCorp Terraform"]),
    ("Ansible", &[]),
    ("Jenkins", &[]),
    ("GitHub Actions", &[]),
    ("GitLab CI", &["GitLab CI/CD"]),
    ("CircleCI", &["Circle CI"]),
    ("Git", &["Git version control"]),
    ("GitHub", &[]),
    ("GitLab", &[]),
    ("Bitbucket", &[]),
    ("Linux", &["GNU/Linux", "Linux administration"]),
    ("Unix", &[]),
    ("Nginx", &[]),
    ("Prometheus", &[]),
    ("Grafana", &[]),
    ("Datadog", &[]),
    ("Splunk", &[]),
    ("OpenShift", &["Red Hat OpenShift"]),
    ("AWS Lambda", &[]),
    ("Amazon S3", &["AWS S3"]),
    ("Amazon EC2", &["AWS EC2", "EC2"]),
    ("CI/CD", &["CICD", "continuous integration", "continuous delivery", "continuous deployment"]),
    ("DevOps", &["Dev Ops"]),
    ("Microservices", &["microservice architecture", "micro-services"]),
    ("REST APIs", &["RESTful APIs", "REST API", "RESTful"]),
    ("gRPC", &[]),
    ("TCP/IP", &["TCP IP"]),
    ("OAuth", &["OAuth 2.0", "OAuth2"]),
    ("JSON", &[]),
    ("YAML", &[]),
    // Tools and methods.
    ("Jira", &["Atlassian Jira"]),
    ("Confluence", &["Atlassian Confluence"]),
    ("Figma", &[]),
    ("Salesforce", &["SFDC"]),
    ("ServiceNow", &[]),
    ("SAP", &["SAP ERP"]),
    ("Selenium", &["Selenium WebDriver"]),
    ("Cypress", &["Cypress.io"]),
    ("Jest", &[]),
    ("JUnit", &[]),
    ("pytest", &[]),
    ("Postman", &[]),
    ("Webpack", &[]),
    ("npm", &[]),
    ("Gradle", &[]),
    ("Apache Maven", &["Maven"]),
    ("Agile", &["Agile methodology", "Agile development"]),
    ("Scrum", &["Scrum methodology"]),
    ("Kanban", &[]),
    ("A/B testing", &["AB testing", "split testing"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_engine::normalize::name_key;
    use std::collections::HashSet;

    #[test]
    fn names_and_aliases_do_not_collide() {
        let mut seen = HashSet::new();
        for (name, aliases) in CURATED_TECHNOLOGIES {
            assert!(seen.insert(name_key(name)), "duplicate {name}");
            for alias in *aliases {
                assert!(seen.insert(name_key(alias)), "alias {alias} of {name} repeats another entry");
            }
        }
    }

    #[test]
    fn usual_spellings_are_present() {
        let has = |name: &str, alias: &str| {
            CURATED_TECHNOLOGIES.iter().any(|(n, a)| *n == name && a.iter().any(|x| x.eq_ignore_ascii_case(alias)))
        };
        assert!(has("PostgreSQL", "postgres"));
        assert!(has("Kubernetes", "k8s"));
        assert!(has("JavaScript", "js"));
        assert!(has("Node.js", "nodejs"));
        assert!(has(".NET", "dotnet"));
        assert!(has("C#", "c sharp"));
    }
}
