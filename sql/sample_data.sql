-- Resonance sample data: 40 job postings and 8 resumes for the demo.
--
-- All text in this file is original sample text written for this project;
-- the companies, people and postings are invented and were not copied from
-- any dataset or website.
--
-- Load it into a fresh database after `CREATE EXTENSION resonance CASCADE`.
-- No embedding columns are set here: the embeddings are computed by the
-- extension's triggers when these rows are inserted.
--
-- Fixed ids so tests can refer to rows:
--   jobs    00000000-0000-4000-a000-0000000000NN  (NN = 01..40)
--   resumes 00000000-0000-4000-b000-0000000000NN  (NN = 01..08)
-- Each resume's metadata names its best-matching job in "expected_best_job".

BEGIN;

INSERT INTO resonance.jobs
    (id, title, description, company, country, city, remote, experience_level, metadata)
VALUES
(
    '00000000-0000-4000-a000-000000000001',
    'Senior Backend Engineer (Python/Django)',
    'Northwind Analytics is looking for a senior backend engineer to own the Python and Django services behind our reporting platform. You will design REST APIs with Django REST Framework, model data in PostgreSQL, tune slow queries and run background jobs with Celery and Redis. You will review code, mentor two mid-level engineers and help plan the split of our Django monolith into well-defined services. Required skills: 6+ years of professional Python, deep Django and Django REST Framework experience, PostgreSQL and SQL performance tuning, Celery, Redis, Docker, pytest and CI pipelines. Experience with AWS and event-driven design is a plus. The role is based in our Berlin office with two flexible home-office days per week.',
    'Northwind Analytics', 'Germany', 'Berlin', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["python", "django", "postgresql", "backend"]}'
),
(
    '00000000-0000-4000-a000-000000000002',
    'Backend Developer (Python, FastAPI)',
    'Kestrel Logistics builds routing software for freight carriers across Europe. As a backend developer you will extend our shipment tracking APIs written in Python with FastAPI, integrate carrier data feeds, and write asynchronous workers that process millions of GPS events a day. You will work closely with product managers and the mobile team. Required skills: 3+ years of Python, FastAPI or Flask, SQL and PostgreSQL, message queues such as RabbitMQ or Kafka, Docker and Git. Familiarity with geospatial data or PostGIS is welcome. We offer a hybrid schedule in Hamburg, a learning budget and German lessons for new arrivals.',
    'Kestrel Logistics', 'Germany', 'Hamburg', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["python", "fastapi", "kafka", "backend"]}'
),
(
    '00000000-0000-4000-a000-000000000003',
    'Senior Go Engineer, Payments Core',
    'Brightwater Payments processes card and bank transfers for merchants in twelve countries. We need a senior Go engineer to build the services that authorise, settle and reconcile payments. You will write high-throughput Go microservices, define gRPC and protobuf contracts, design idempotent workflows and own reliability targets for your services. Required skills: 5+ years of backend development with at least 3 in Go, gRPC, PostgreSQL, Kafka, Kubernetes, strong testing habits and clear written communication. Knowledge of payment schemes, PCI DSS or double-entry ledgers is a strong advantage. The team works from our Amsterdam office near Centraal station.',
    'Brightwater Payments', 'Netherlands', 'Amsterdam', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["go", "grpc", "payments", "backend"]}'
),
(
    '00000000-0000-4000-a000-000000000004',
    'Go Backend Engineer (Remote)',
    'Tallgrass Cloud makes developer tooling for infrastructure teams. We are hiring a Go backend engineer to work on our API gateway and usage metering service. You will add features to Go services, write integration tests, improve observability with Prometheus and OpenTelemetry, and join a friendly on-call rotation. Required skills: 2-4 years of backend experience, solid Go, REST and gRPC APIs, SQL databases, Docker and Linux. Experience with Kubernetes operators or Terraform providers is a bonus. The position is fully remote within United States time zones; our small headquarters is in Austin, Texas.',
    'Tallgrass Cloud', 'United States', 'Austin', true, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["go", "observability", "backend"]}'
),
(
    '00000000-0000-4000-a000-000000000005',
    'Lead Java Engineer (Spring Boot)',
    'Lumiere Banque Numerique is modernising its core banking platform and is looking for a lead Java engineer in Paris. You will lead a team of six developers, set technical direction for our Java and Spring Boot microservices, and drive the migration from a legacy Java EE application server to containerised services on Kubernetes. You will run architecture reviews, coach engineers and work with risk and compliance teams. Required skills: 10+ years of Java, Spring Boot, Spring Cloud, Hibernate/JPA, Kafka, Oracle or PostgreSQL, Maven or Gradle, and proven experience leading engineering teams. Experience in banking or regulated finance is highly valued. French and English are both used day to day.',
    'Lumiere Banque Numerique', 'France', 'Paris', false, 'lead',
    '{"employment_type": "full-time", "category": "software", "tags": ["java", "spring boot", "kafka", "leadership"]}'
),
(
    '00000000-0000-4000-a000-000000000006',
    'Java Developer (Spring)',
    'Harbourline Insurance is growing its policy administration team in London. As a Java developer you will build and maintain Spring Boot services that price and issue insurance policies, write unit and contract tests, and support releases. Required skills: 3+ years of Java 17, Spring Boot, REST APIs, SQL with PostgreSQL or SQL Server, JUnit and Mockito, and Git. Exposure to AWS, Docker and event-driven systems is helpful. You will join a supportive squad that pairs regularly and ships every week. We offer a hybrid pattern of three office days in the City of London.',
    'Harbourline Insurance', 'United Kingdom', 'London', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["java", "spring", "insurance"]}'
),
(
    '00000000-0000-4000-a000-000000000007',
    'Junior Frontend Developer (React/TypeScript)',
    'Pebblestone Studio builds web apps for charities and small businesses. We are hiring a junior frontend developer who enjoys turning designs into accessible, responsive interfaces. You will build React components in TypeScript, style them with CSS and Tailwind, write tests with Jest and React Testing Library, and fix bugs reported by clients. A senior developer will mentor you and review your pull requests. Required skills: HTML, CSS, JavaScript, TypeScript, React basics and Git. A portfolio, bootcamp projects or a degree are all welcome routes in. The team is based in London but the role can be done fully remote from anywhere in the United Kingdom.',
    'Pebblestone Studio', 'United Kingdom', 'London', true, 'junior',
    '{"employment_type": "full-time", "category": "software", "tags": ["react", "typescript", "frontend", "junior"]}'
),
(
    '00000000-0000-4000-a000-000000000008',
    'Senior Frontend Engineer (React)',
    'Meridian Health Tech builds patient scheduling software used by hospitals across the East Coast. We need a senior frontend engineer in New York to lead the rebuild of our clinician dashboard. You will architect a React and TypeScript codebase, introduce a design system, optimise performance and accessibility, and mentor other frontend developers. Required skills: 6+ years of frontend development, expert React and TypeScript, state management with Redux or React Query, GraphQL, Webpack or Vite, Cypress end-to-end testing and WCAG accessibility. Experience with Node.js backends and healthcare data privacy rules is a plus.',
    'Meridian Health Tech', 'United States', 'New York', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["react", "typescript", "graphql", "frontend"]}'
),
(
    '00000000-0000-4000-a000-000000000009',
    'Data Engineer (Spark, Airflow)',
    'Brightwater Payments is building a new analytics platform for merchants and internal finance teams. As a data engineer in Amsterdam you will design batch and streaming pipelines with Apache Spark, orchestrate them with Apache Airflow, and model clean datasets in our data warehouse. You will write SQL transformations with dbt, monitor data quality and work with analysts to define metrics. Required skills: 3+ years of data engineering, Python and PySpark, Airflow, advanced SQL, data modelling, a cloud data warehouse such as Snowflake or BigQuery, and Git. Experience with Kafka, Delta Lake or AWS is a bonus.',
    'Brightwater Payments', 'Netherlands', 'Amsterdam', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["spark", "airflow", "sql", "data engineering"]}'
),
(
    '00000000-0000-4000-a000-000000000010',
    'Senior Data Engineer (Remote, EU)',
    'Northwind Analytics collects billions of product events each month for our customers. We are looking for a senior data engineer to own the ingestion layer. You will build streaming pipelines with Kafka and Apache Flink, maintain our lakehouse on AWS S3 with Apache Iceberg, and improve the reliability of scheduled jobs. Required skills: 6+ years of data engineering, Scala or Python, Kafka, Spark or Flink, AWS, Terraform, SQL and strong knowledge of data partitioning and schema evolution. This role is remote within the European Union, with quarterly team meetups in Berlin.',
    'Northwind Analytics', 'Germany', 'Berlin', true, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["kafka", "flink", "aws", "data engineering"]}'
),
(
    '00000000-0000-4000-a000-000000000011',
    'Machine Learning Engineer (PyTorch)',
    'Cobalt Vision Labs builds computer vision models that inspect products on factory lines. We are hiring a senior machine learning engineer in San Francisco to train, optimise and deploy deep learning models. You will design training pipelines in PyTorch, run distributed training on GPUs, compress models for edge devices with quantisation and ONNX, and build evaluation tooling. Required skills: 5+ years of machine learning engineering, Python, PyTorch, CUDA basics, experiment tracking with MLflow or Weights and Biases, Docker and Kubernetes. Experience serving models with Triton or TorchServe and publishing research is a plus.',
    'Cobalt Vision Labs', 'United States', 'San Francisco', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["pytorch", "machine learning", "computer vision", "python"]}'
),
(
    '00000000-0000-4000-a000-000000000012',
    'Machine Learning Engineer, NLP',
    'Quillon AI helps legal teams search and summarise contracts. As a machine learning engineer in London you will fine-tune transformer language models, build retrieval pipelines with embeddings and vector search, and evaluate model quality with lawyers on our product team. Required skills: 3+ years in machine learning, Python, PyTorch or TensorFlow, Hugging Face Transformers, NLP evaluation methods, SQL and cloud experience on AWS or GCP. Experience with PostgreSQL and pgvector or other vector databases is a plus. We work hybrid with two days a week in our Shoreditch office.',
    'Quillon AI', 'United Kingdom', 'London', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["nlp", "pytorch", "transformers", "machine learning"]}'
),
(
    '00000000-0000-4000-a000-000000000013',
    'DevOps Engineer (Kubernetes, Terraform, AWS)',
    'Alpenwerk Mobility runs booking and fleet services for car sharing in southern Germany. We need a senior DevOps engineer in Munich to run and improve our cloud platform. You will manage Kubernetes clusters on AWS EKS, write infrastructure as code with Terraform, build CI/CD pipelines with GitLab CI and Argo CD, and improve monitoring with Prometheus and Grafana. Required skills: 5+ years in DevOps or platform engineering, Kubernetes, Helm, Terraform, AWS, Docker, Linux, Bash or Python scripting, and incident response. Certifications such as CKA or AWS Solutions Architect are welcome. German is helpful but not required.',
    'Alpenwerk Mobility', 'Germany', 'Munich', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["kubernetes", "terraform", "aws", "devops"]}'
),
(
    '00000000-0000-4000-a000-000000000014',
    'Lead Site Reliability Engineer',
    'Maple Ledger builds accounting software for small businesses in Canada. We are looking for a lead site reliability engineer to head a team of four SREs. You will define service level objectives, run incident reviews, improve capacity planning and lead the move from virtual machines to Kubernetes on Google Cloud. Required skills: 8+ years in operations or SRE, Kubernetes, Terraform, GCP or AWS, Prometheus, Linux internals, networking, and experience leading people. Programming in Go or Python is expected. The role is remote across Canada, with optional desks in our Toronto office.',
    'Maple Ledger', 'Canada', 'Toronto', true, 'lead',
    '{"employment_type": "full-time", "category": "software", "tags": ["sre", "kubernetes", "gcp", "leadership"]}'
),
(
    '00000000-0000-4000-a000-000000000015',
    'Security Engineer, Cloud Infrastructure',
    'Kestrel Logistics is hiring a senior security engineer in Hamburg to protect our cloud infrastructure and customer data. You will run threat modelling sessions, harden AWS accounts and Kubernetes clusters, manage vulnerability scanning, and respond to security incidents. You will also guide developers on secure coding and help us prepare for ISO 27001 certification. Required skills: 5+ years in information security, AWS security services, IAM design, Kubernetes security, SIEM tools, network security, Python or Go scripting, and knowledge of OWASP Top 10. Certifications such as OSCP or CISSP are a plus.',
    'Kestrel Logistics', 'Germany', 'Hamburg', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["security", "aws", "iso 27001", "cloud"]}'
),
(
    '00000000-0000-4000-a000-000000000016',
    'Application Security Analyst',
    'Meridian Health Tech is looking for an application security analyst to keep our patient-facing apps safe. You will run penetration tests against web and mobile applications, triage findings from static and dynamic scanners, and work with developers to fix vulnerabilities. You will also maintain our bug bounty programme and write security guidance. Required skills: 3+ years in application security, Burp Suite, OWASP Top 10, secure code review in JavaScript, Node.js or Java, SAST and DAST tooling, and HIPAA awareness. This role is remote within the United States, reporting to our New York security lead.',
    'Meridian Health Tech', 'United States', 'New York', true, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["appsec", "penetration testing", "owasp"]}'
),
(
    '00000000-0000-4000-a000-000000000017',
    'iOS Developer (Swift)',
    'Lindenhof Fitness makes a workout and nutrition app with two million users. We are hiring an iOS developer in Berlin to build new features in Swift and SwiftUI, improve app performance, and keep our release pipeline healthy. You will work with designers on animations and with backend engineers on API design. Required skills: 3+ years of iOS development, Swift, SwiftUI and UIKit, Combine or async/await, Core Data, XCTest, and App Store release experience. Knowledge of HealthKit, Fastlane or Kotlin Multiplatform is a plus. Our office is in Berlin Kreuzberg and we offer a gym membership.',
    'Lindenhof Fitness', 'Germany', 'Berlin', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["ios", "swift", "mobile"]}'
),
(
    '00000000-0000-4000-a000-000000000018',
    'Android Developer (Kotlin)',
    'Maple Ledger is bringing its invoicing product to mobile. As an Android developer you will build our Android app in Kotlin with Jetpack Compose, integrate with REST APIs, handle offline sync and publish releases on Google Play. Required skills: 3+ years of Android development, Kotlin, Jetpack Compose, coroutines and Flow, Room, Retrofit, unit and UI testing, and Gradle. Experience with payments SDKs or accessibility on Android is a bonus. The role is remote anywhere in Canada; the product team meets monthly in Toronto.',
    'Maple Ledger', 'Canada', 'Toronto', true, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["android", "kotlin", "mobile"]}'
),
(
    '00000000-0000-4000-a000-000000000019',
    'PostgreSQL Database Administrator',
    'Ironbridge Data Services hosts databases for public sector clients in the north of England. We need a senior PostgreSQL database administrator in Manchester to keep hundreds of production databases fast and available. You will plan upgrades, configure streaming replication and failover with Patroni, manage backups with pgBackRest, tune queries and indexes, and automate routine work with Ansible. Required skills: 5+ years as a DBA, expert PostgreSQL administration, SQL performance tuning, Linux, high availability and disaster recovery, monitoring, and scripting in Bash or Python. Experience with PostGIS or migrating from Oracle is welcome.',
    'Ironbridge Data Services', 'United Kingdom', 'Manchester', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["postgresql", "dba", "replication", "linux"]}'
),
(
    '00000000-0000-4000-a000-000000000020',
    'Database Reliability Engineer (PostgreSQL, Remote)',
    'Tallgrass Cloud offers managed PostgreSQL to thousands of developers. As a database reliability engineer you will automate provisioning, upgrades and failover of PostgreSQL clusters on Kubernetes, build tooling in Go, and help customers diagnose slow queries. Required skills: 3+ years working with PostgreSQL in production, understanding of WAL, vacuum and replication, Kubernetes, Terraform, Go or Python, and good customer communication. Contributions to PostgreSQL extensions or open source tools are a plus. The role is fully remote in European time zones, with a hub in Amsterdam.',
    'Tallgrass Cloud', 'Netherlands', 'Amsterdam', true, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["postgresql", "kubernetes", "go", "dbre"]}'
),
(
    '00000000-0000-4000-a000-000000000021',
    'Full-Stack Engineer (Node.js, React)',
    'Sunbelt Home Services helps homeowners book plumbers, roofers and cleaners. We are hiring a full-stack engineer in Austin to build features across our Node.js backend and React web app. You will design REST and GraphQL endpoints in Node.js with TypeScript, write React pages, manage PostgreSQL schemas and deploy to AWS with serverless functions. Required skills: 3+ years of full-stack development, Node.js, Express or NestJS, React, TypeScript, PostgreSQL, AWS Lambda, and automated testing. Experience with Stripe payments or marketplace products is a plus.',
    'Sunbelt Home Services', 'United States', 'Austin', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["node.js", "react", "typescript", "full-stack"]}'
),
(
    '00000000-0000-4000-a000-000000000022',
    '.NET Developer (C#)',
    'Ironbridge Data Services builds case management systems for local councils. As a .NET developer in Manchester you will write and maintain C# services on .NET 8 and ASP.NET Core, build Blazor interfaces, and integrate with SQL Server and Azure services. Required skills: 3+ years of C# and .NET, ASP.NET Core Web API, Entity Framework Core, SQL Server and T-SQL, Azure DevOps pipelines, and unit testing with xUnit. Familiarity with accessibility standards for government services is valued. Candidates must be eligible for UK security clearance.',
    'Ironbridge Data Services', 'United Kingdom', 'Manchester', false, 'mid',
    '{"employment_type": "full-time", "category": "software", "tags": ["c#", ".net", "azure", "sql server"]}'
),
(
    '00000000-0000-4000-a000-000000000023',
    'Embedded Software Engineer (C++)',
    'Alpenwerk Mobility designs the telematics units fitted to our shared cars. We are looking for a senior embedded software engineer in Munich to write firmware and on-board software in modern C++. You will develop drivers and communication stacks for CAN bus and LTE modems, run hardware-in-the-loop tests, and work with electrical engineers on board bring-up. Required skills: 5+ years of embedded development, C++17, C, embedded Linux or an RTOS such as FreeRTOS, CAN, debugging with oscilloscopes and JTAG, and CMake. Knowledge of AUTOSAR or ISO 26262 is a plus.',
    'Alpenwerk Mobility', 'Germany', 'Munich', false, 'senior',
    '{"employment_type": "full-time", "category": "software", "tags": ["c++", "embedded", "automotive"]}'
),
(
    '00000000-0000-4000-a000-000000000024',
    'Software Engineering Intern (Python)',
    'Cobalt Vision Labs offers a twelve-week summer internship in San Francisco for students who love building software. You will join a product team, write Python tools for labelling images, add tests, and present your project at the end of the summer. Mentors will pair with you every week. Required skills: currently studying computer science or a related field, basic Python, Git, and curiosity about machine learning. Coursework in data structures or a personal coding project is a plus. Housing support and a monthly stipend are provided.',
    'Cobalt Vision Labs', 'United States', 'San Francisco', false, 'intern',
    '{"employment_type": "internship", "category": "software", "tags": ["python", "internship"]}'
),
(
    '00000000-0000-4000-a000-000000000025',
    'Principal Platform Architect',
    'Northwind Analytics is looking for a principal platform architect to shape the technical strategy of our whole engineering organisation. You will define reference architectures for services, data and infrastructure, lead design reviews across teams, evaluate build-versus-buy decisions and set standards for reliability, security and cost. Required skills: 12+ years in software engineering, deep experience with distributed systems, cloud architecture on AWS, Kubernetes, PostgreSQL and Kafka at scale, and a track record of influencing senior stakeholders. Hands-on coding in Python, Go or Java is expected. The role is remote in Europe with regular visits to Berlin.',
    'Northwind Analytics', 'Germany', 'Berlin', true, 'principal',
    '{"employment_type": "full-time", "category": "software", "tags": ["architecture", "distributed systems", "aws"]}'
),
(
    '00000000-0000-4000-a000-000000000026',
    'VP of Engineering',
    'Meridian Health Tech is seeking a VP of Engineering to lead our 80-person engineering organisation in New York. You will own the engineering roadmap, hire and develop engineering managers, set budgets, and partner with the CEO and product leadership on strategy. You will also be accountable for delivery, quality, security and regulatory compliance of our healthcare products. Required experience: 15+ years in software, at least 5 years leading multiple teams through managers, experience scaling SaaS platforms, strong communication with executives and boards, and familiarity with HIPAA. A computer science background is preferred.',
    'Meridian Health Tech', 'United States', 'New York', false, 'executive',
    '{"employment_type": "full-time", "category": "software", "tags": ["leadership", "management", "executive"]}'
),
(
    '00000000-0000-4000-a000-000000000027',
    'Registered Nurse, Intensive Care Unit',
    'Lakeshore General Hospital in Toronto is hiring a registered nurse for our 24-bed medical-surgical intensive care unit. You will provide direct care to critically ill adults, monitor ventilated patients, titrate vasoactive medications, and work closely with physicians, respiratory therapists and families. Required qualifications: active registration with the College of Nurses of Ontario, a BScN, 3+ years of acute care nursing with critical care experience, current BLS and ACLS certification, and strong charting skills in electronic health records. The role involves rotating 12-hour day and night shifts.',
    'Lakeshore General Hospital', 'Canada', 'Toronto', false, 'mid',
    '{"employment_type": "full-time", "category": "healthcare", "tags": ["nursing", "icu", "critical care"]}'
),
(
    '00000000-0000-4000-a000-000000000028',
    'Registered Nurse, Emergency Department',
    'Pennine Community Hospital is welcoming newly qualified and early-career registered nurses to our busy emergency department in Manchester. You will triage patients, assess and treat minor and major injuries, give medications, and support patients and relatives during difficult moments. A structured preceptorship programme supports you through your first year. Required qualifications: NMC registration as an adult nurse, good communication skills, teamwork under pressure, and willingness to work shifts including nights and weekends. Immediate life support training is provided if you do not already hold it.',
    'Pennine Community Hospital', 'United Kingdom', 'Manchester', false, 'junior',
    '{"employment_type": "full-time", "category": "healthcare", "tags": ["nursing", "emergency", "nhs"]}'
),
(
    '00000000-0000-4000-a000-000000000029',
    'Staff Accountant',
    'Hudson & Pike Advisory, a mid-size accounting firm in New York, is hiring a staff accountant for our corporate clients team. You will prepare monthly journal entries, reconcile bank and balance sheet accounts, support the month-end and year-end close, and prepare schedules for external auditors. You will also help with sales tax filings and accounts payable reviews. Required skills: a bachelor''s degree in accounting, 2-5 years of general ledger experience, US GAAP, advanced Excel including pivot tables and VLOOKUP, and experience with QuickBooks or NetSuite. Progress toward the CPA licence is preferred.',
    'Hudson & Pike Advisory', 'United States', 'New York', false, 'mid',
    '{"employment_type": "full-time", "category": "finance", "tags": ["accounting", "gaap", "excel", "month-end close"]}'
),
(
    '00000000-0000-4000-a000-000000000030',
    'Senior Accountant, Financial Reporting',
    'Harbourline Insurance is looking for a senior accountant to join the group financial reporting team in London. You will prepare statutory accounts under IFRS, consolidate subsidiary results, draft disclosure notes, and work with auditors during the annual audit. You will also improve reporting processes and mentor a junior accountant. Required skills: ACA, ACCA or CIMA qualification, 5+ years of post-qualification experience, IFRS 17 or insurance accounting knowledge, strong Excel, and experience with SAP or Oracle Financials. Power BI skills are a plus.',
    'Harbourline Insurance', 'United Kingdom', 'London', false, 'senior',
    '{"employment_type": "full-time", "category": "finance", "tags": ["accounting", "ifrs", "financial reporting"]}'
),
(
    '00000000-0000-4000-a000-000000000031',
    'Electrician (Industrial and Commercial)',
    'Hansa Elektrotechnik installs and maintains electrical systems in warehouses, offices and port facilities around Hamburg. We are hiring a qualified electrician to install cable routes, distribution boards and lighting, test and commission installations, and find faults in control cabinets. You will read wiring diagrams, document your work and follow safety regulations. Required qualifications: completed apprenticeship as an electrician (Elektroniker), 3+ years of site experience, knowledge of DIN VDE standards, measurement and testing skills, and a driving licence. Experience with PLC systems or photovoltaic installations is a plus.',
    'Hansa Elektrotechnik', 'Germany', 'Hamburg', false, 'mid',
    '{"employment_type": "full-time", "category": "trades", "tags": ["electrician", "installation", "maintenance"]}'
),
(
    '00000000-0000-4000-a000-000000000032',
    'Regional Sales Manager',
    'Sunbelt Home Services is hiring a regional sales manager in Austin to grow our network of partner contractors across Texas. You will lead a team of eight account executives, set quarterly targets, coach reps on discovery calls and negotiation, and report pipeline forecasts to leadership. You will also close strategic accounts yourself. Required skills: 6+ years in B2B sales with at least 2 years managing a team, a record of exceeding quota, Salesforce CRM, forecasting, and excellent presentation skills. Travel within Texas about one week a month.',
    'Sunbelt Home Services', 'United States', 'Austin', false, 'senior',
    '{"employment_type": "full-time", "category": "sales", "tags": ["sales", "management", "b2b"]}'
),
(
    '00000000-0000-4000-a000-000000000033',
    'Secondary School Mathematics Teacher',
    'Oakfield Academy, a secondary school in Manchester, is looking for a mathematics teacher for students aged 11 to 16. You will plan and deliver engaging lessons, mark work and give feedback, prepare classes for GCSE exams, and support students who need extra help. You will also act as a form tutor and take part in school trips and parents evenings. Required qualifications: Qualified Teacher Status, a degree in mathematics or a related subject, strong classroom management, and a commitment to safeguarding. Early career teachers are welcome and will receive mentoring.',
    'Oakfield Academy', 'United Kingdom', 'Manchester', false, 'mid',
    '{"employment_type": "full-time", "category": "education", "tags": ["teaching", "mathematics", "gcse"]}'
),
(
    '00000000-0000-4000-a000-000000000034',
    'Graphic Designer (Brand and Packaging)',
    'Atelier Coquelicot is a design agency creating brand identities and packaging for food and cosmetics companies. We are hiring a graphic designer to develop logos, labels, packaging and social media visuals from concept to print-ready files. You will present ideas to clients and work with printers on colour proofs. Required skills: 3+ years of professional design experience, Adobe Illustrator, Photoshop and InDesign, typography, colour theory, a strong portfolio, and knowledge of print production. Figma and motion design skills are a plus. The role is remote within France, with occasional client meetings in Paris.',
    'Atelier Coquelicot', 'France', 'Paris', true, 'mid',
    '{"employment_type": "full-time", "category": "design", "tags": ["graphic design", "branding", "packaging"]}'
),
(
    '00000000-0000-4000-a000-000000000035',
    'Regional Truck Driver (CDL Class A)',
    'Lone Star Freightways is hiring regional truck drivers based in Austin to haul dry van loads across Texas, Oklahoma and Louisiana. You will complete pre-trip and post-trip inspections, secure loads, keep electronic logs, and deliver on schedule while driving safely. Drivers are home most weekends. Required qualifications: a valid CDL Class A licence, a clean driving record, a DOT medical card, and the ability to lift up to 50 pounds. Recent graduates of a truck driving school are welcome and will ride with a trainer for their first two weeks.',
    'Lone Star Freightways', 'United States', 'Austin', false, 'junior',
    '{"employment_type": "full-time", "category": "transport", "tags": ["truck driver", "cdl", "logistics"]}'
),
(
    '00000000-0000-4000-a000-000000000036',
    'Sous Chef',
    'Le Petit Carillon is a bistro in Paris serving seasonal French cooking to 90 guests a night. We are looking for a sous chef to run the kitchen alongside our head chef. You will supervise the line, prepare sauces and mains, order produce from local suppliers, control food costs and train commis chefs. Required skills: 4+ years of professional kitchen experience including time as chef de partie, classical French techniques, food hygiene and HACCP knowledge, menu costing, and calm leadership during busy service. Spoken French is required.',
    'Le Petit Carillon', 'France', 'Paris', false, 'mid',
    '{"employment_type": "full-time", "category": "hospitality", "tags": ["chef", "kitchen", "french cuisine"]}'
),
(
    '00000000-0000-4000-a000-000000000037',
    'HR Generalist',
    'Brightwater Payments is hiring an HR generalist in Amsterdam to support our 400 employees. You will manage the employee life cycle from onboarding to exit, advise managers on performance and employee relations, run the annual review cycle, and keep HR data accurate in Personio. You will also help with visa applications for international hires. Required skills: 3+ years of HR generalist experience, knowledge of Dutch employment law, experience with HRIS systems, good Excel, discretion with confidential information, and fluent English. Dutch language skills are a plus.',
    'Brightwater Payments', 'Netherlands', 'Amsterdam', false, 'mid',
    '{"employment_type": "full-time", "category": "human resources", "tags": ["hr", "employee relations", "onboarding"]}'
),
(
    '00000000-0000-4000-a000-000000000038',
    'Mechanical Design Engineer',
    'Alpenwerk Mobility develops charging stations for electric car fleets. We are hiring a mechanical design engineer in Munich to design enclosures, cable management and cooling for our chargers. You will create 3D models and drawings in SolidWorks, run tolerance analyses and FEA simulations, work with suppliers on sheet metal and injection moulded parts, and support prototype testing. Required skills: a degree in mechanical engineering, 3+ years of product design experience, SolidWorks or CATIA, GD&T, design for manufacturing, and basic thermal analysis. German and English at a professional level.',
    'Alpenwerk Mobility', 'Germany', 'Munich', false, 'mid',
    '{"employment_type": "full-time", "category": "engineering", "tags": ["mechanical engineering", "cad", "solidworks"]}'
),
(
    '00000000-0000-4000-a000-000000000039',
    'Financial Analyst, FP&A',
    'Hudson & Pike Advisory is looking for a financial analyst to join our planning and analysis team in New York. You will build budgets and rolling forecasts, analyse variances against plan, prepare monthly management reports and support pricing decisions with financial models. Required skills: a degree in finance, economics or accounting, 2-4 years in FP&A or corporate finance, advanced Excel and financial modelling, PowerPoint, and basic SQL. Experience with Anaplan, Tableau or Power BI is a plus. Strong attention to detail and clear communication with non-finance colleagues are essential.',
    'Hudson & Pike Advisory', 'United States', 'New York', false, 'mid',
    '{"employment_type": "full-time", "category": "finance", "tags": ["fp&a", "financial modelling", "excel"]}'
),
(
    '00000000-0000-4000-a000-000000000040',
    'Marketing Coordinator (Remote)',
    'Maple Ledger is looking for a marketing coordinator to support campaigns aimed at small business owners across Canada. You will schedule email campaigns, publish blog posts and social media content, update landing pages, and track results in Google Analytics and HubSpot. You will coordinate webinars and help the team with trade show logistics. Required skills: 1-2 years of marketing experience or a relevant internship, excellent written English, HubSpot or a similar marketing automation tool, basic Excel, and strong organisation. French language skills are a plus. The role is remote across Canada, with optional office days in Toronto.',
    'Maple Ledger', 'Canada', 'Toronto', true, 'junior',
    '{"employment_type": "full-time", "category": "marketing", "tags": ["marketing", "hubspot", "content"]}'
);

INSERT INTO resonance.resumes
    (id, text, title, country, city, remote_ok, experience_level, years_experience, metadata)
VALUES
(
    '00000000-0000-4000-b000-000000000001',
    'Senior Backend Engineer - Python and Django. Summary: Backend engineer with 8 years of experience building web platforms in Python, the last six focused on Django and PostgreSQL. I enjoy clean API design, careful database work and helping teammates grow. Experience: Senior Backend Engineer, an online marketplace in Berlin (2020-present): designed REST APIs with Django REST Framework serving 3,000 requests per second; cut p95 latency by 40% by rewriting ORM queries and adding PostgreSQL indexes; moved background work from cron scripts to Celery with Redis; mentored three junior developers and led code reviews; started splitting a Django monolith into separate services. Backend Developer, a travel start-up in Berlin (2016-2020): built booking and payment features in Django, wrote pytest suites with over 90% coverage, containerised services with Docker and set up GitLab CI pipelines. Education: MSc Computer Science, TU Berlin. Skills: Python, Django, Django REST Framework, PostgreSQL, SQL, Celery, Redis, Docker, pytest, GitLab CI, AWS (EC2, RDS, S3), REST API design. Languages: English, German.',
    'Senior Backend Engineer (Python/Django)', 'Germany', 'Berlin', false, 'senior', 8,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000001", "related_jobs": ["00000000-0000-4000-a000-000000000002"]}'
),
(
    '00000000-0000-4000-b000-000000000002',
    'Junior Frontend Developer - React and TypeScript. Summary: Frontend developer with about a year and a half of professional experience after completing a full-time web development bootcamp. I like building accessible, responsive interfaces and I am happy working remotely. Experience: Junior Frontend Developer, a small digital agency in London (2023-present): built React components in TypeScript for client websites and dashboards; styled pages with CSS modules and Tailwind; wrote tests with Jest and React Testing Library; fixed accessibility issues found in audits, such as missing labels and poor colour contrast; worked from Figma designs with the design team. Freelance projects (2022-2023): built a booking site for a yoga studio with React and a simple Node.js API; made a portfolio site for a photographer. Education: Web Development Bootcamp, London; BA History. Skills: HTML, CSS, JavaScript, TypeScript, React, Tailwind CSS, Jest, React Testing Library, Git, GitHub, Figma, basic Node.js. Open to remote work anywhere in the United Kingdom.',
    'Junior Frontend Developer', 'United Kingdom', 'London', true, 'junior', 1.5,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000007", "related_jobs": ["00000000-0000-4000-a000-000000000008"]}'
),
(
    '00000000-0000-4000-b000-000000000003',
    'Data Engineer - Spark, Airflow, SQL. Summary: Data engineer with 4 years of experience building reliable batch pipelines and clean data models for analytics teams. Comfortable working between engineers, analysts and finance stakeholders. Experience: Data Engineer, an online grocery company in Amsterdam (2021-present): built PySpark jobs that process 500 million order and delivery events per day; orchestrated more than 120 pipelines with Apache Airflow, adding retries, SLAs and alerting; modelled a star schema in Snowflake and wrote dbt models with tests; introduced data quality checks that caught broken upstream feeds before they reached dashboards; worked with analysts to define revenue and retention metrics. Junior Data Engineer, a consultancy in Utrecht (2020-2021): wrote SQL ETL jobs for retail clients and migrated reports from Excel to a cloud warehouse. Education: BSc Econometrics, University of Amsterdam. Skills: Python, PySpark, Apache Spark, Apache Airflow, SQL, dbt, Snowflake, BigQuery, data modelling, Kafka basics, AWS S3, Git, Docker.',
    'Data Engineer', 'Netherlands', 'Amsterdam', false, 'mid', 4,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000009", "related_jobs": ["00000000-0000-4000-a000-000000000010"]}'
),
(
    '00000000-0000-4000-b000-000000000004',
    'DevOps Engineer - Kubernetes, Terraform, AWS. Summary: DevOps and platform engineer with 6 years of experience running cloud infrastructure for product teams. I focus on automation, repeatable environments and calm incident response. Experience: Senior DevOps Engineer, a logistics software company in Munich (2021-present): ran five Kubernetes clusters on AWS EKS hosting 150 services; wrote and maintained all infrastructure as code in Terraform with reusable modules; built CI/CD with GitLab CI and Argo CD, cutting deployment time from 40 minutes to 8; set up Prometheus, Grafana and Loki monitoring with alert runbooks; led the on-call rotation and wrote post-incident reviews. DevOps Engineer, an insurance IT provider in Munich (2018-2021): migrated virtual machines to Docker and Kubernetes, automated server configuration with Ansible and wrote Bash and Python tooling. Certifications: Certified Kubernetes Administrator (CKA), AWS Solutions Architect Associate. Skills: Kubernetes, Helm, Terraform, AWS (EKS, EC2, IAM, VPC, RDS), Docker, GitLab CI, Argo CD, Prometheus, Grafana, Linux, Bash, Python, Ansible. Languages: German, English.',
    'DevOps Engineer', 'Germany', 'Munich', false, 'senior', 6,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000013", "related_jobs": ["00000000-0000-4000-a000-000000000014"]}'
),
(
    '00000000-0000-4000-b000-000000000005',
    'Registered Nurse - Critical Care. Summary: Registered nurse with 5 years of hospital experience, including 3 years in an adult intensive care unit. Known for calm, careful patient care and clear communication with families and the care team. Experience: Registered Nurse, Intensive Care Unit, a teaching hospital in Toronto (2021-present): care for two critically ill patients per shift, including ventilated and post-surgical patients; titrate vasoactive and sedation infusions according to protocols; assist with central line insertion and bedside procedures; document assessments in the electronic health record; act as preceptor for new graduate nurses. Registered Nurse, Medical-Surgical Unit, a community hospital in Mississauga (2019-2021): managed a caseload of six patients, administered medications, provided wound care and discharge teaching. Education: Bachelor of Science in Nursing, Toronto. Registration and certifications: College of Nurses of Ontario (RN, active), BLS, ACLS, critical care nursing certificate. Skills: critical care, ventilator management, medication administration, patient assessment, infection control, electronic charting, family support, teamwork on rotating 12-hour shifts.',
    'Registered Nurse (ICU)', 'Canada', 'Toronto', false, 'mid', 5,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000027", "related_jobs": ["00000000-0000-4000-a000-000000000028"]}'
),
(
    '00000000-0000-4000-b000-000000000006',
    'Staff Accountant. Summary: Accountant with 4 years of experience in general ledger accounting and month-end close for mid-size companies. Detail-oriented, reliable under deadlines, and currently completing the CPA exams. Experience: Staff Accountant, a regional accounting firm in New York (2022-present): prepare monthly journal entries and accruals for eight corporate clients; reconcile bank, credit card and balance sheet accounts; support month-end and year-end close; prepare audit schedules and answer auditor questions; file state sales tax returns. Accounting Assistant, a wholesale distributor in New Jersey (2020-2022): processed accounts payable and accounts receivable, matched invoices to purchase orders and maintained the vendor master file in NetSuite. Education: BS in Accounting, Baruch College. Certifications: passed three of four CPA exam sections. Skills: US GAAP, general ledger, account reconciliation, month-end close, accruals, accounts payable, accounts receivable, sales tax, advanced Excel (pivot tables, VLOOKUP, XLOOKUP), QuickBooks, NetSuite, audit support.',
    'Staff Accountant', 'United States', 'New York', false, 'mid', 4,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000029", "related_jobs": ["00000000-0000-4000-a000-000000000039"]}'
),
(
    '00000000-0000-4000-b000-000000000007',
    'Machine Learning Engineer - PyTorch, Computer Vision. Summary: Machine learning engineer with 7 years of experience taking deep learning models from research to production. Most of my work is in computer vision, model optimisation and training infrastructure. Experience: Senior Machine Learning Engineer, a robotics company in San Francisco (2020-present): trained object detection and segmentation models in PyTorch on multi-node GPU clusters; reduced inference latency by 3x using quantisation, pruning and ONNX export to edge devices; built an evaluation harness and dataset versioning used by the whole ML team; tracked experiments with Weights and Biases; deployed models with Triton Inference Server on Kubernetes. Machine Learning Engineer, an e-commerce company in San Jose (2017-2020): built image classification and similarity search models and wrote data pipelines in Python. Education: MS in Computer Science (machine learning), Stanford University. Skills: Python, PyTorch, CUDA, computer vision, distributed training, ONNX, TensorRT, Triton, MLflow, Weights and Biases, Docker, Kubernetes, SQL, NumPy, OpenCV.',
    'Machine Learning Engineer', 'United States', 'San Francisco', false, 'senior', 7,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000011", "related_jobs": ["00000000-0000-4000-a000-000000000012"]}'
),
(
    '00000000-0000-4000-b000-000000000008',
    'Lead Java Engineer - Spring Boot, Banking. Summary: Java engineer and team lead with 12 years of experience building transaction systems for banks and payment providers. I like making large legacy systems easier to change while keeping them safe for customers and regulators. Experience: Lead Software Engineer, a retail bank in Paris (2018-present): lead a team of seven developers on the accounts and transfers domain; drove the migration of a Java EE monolith on WebLogic to Spring Boot microservices on Kubernetes; designed Kafka event flows between core banking services; introduced architecture decision records and regular design reviews; worked with compliance teams on audit and security requirements. Senior Java Developer, a payments processor in Paris (2013-2018): built card authorisation services with Spring, Hibernate and Oracle; improved throughput by 50% through connection pooling and query tuning. Education: Engineering degree in computer science, INSA Lyon. Skills: Java 17, Spring Boot, Spring Cloud, Hibernate/JPA, Kafka, Oracle, PostgreSQL, Maven, Gradle, Docker, Kubernetes, microservices, technical leadership, mentoring. Languages: French, English.',
    'Lead Java Engineer', 'France', 'Paris', false, 'lead', 12,
    '{"expected_best_job": "00000000-0000-4000-a000-000000000005", "related_jobs": ["00000000-0000-4000-a000-000000000006"]}'
);

COMMIT;
