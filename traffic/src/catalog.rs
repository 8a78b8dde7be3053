//! What the synthetic traffic is made of: services, model deployments and their behaviour, texts.

pub struct Deployment {
    pub provider: &'static str,
    pub model: &'static str,
    pub version: &'static str,
    /// Median end-to-end latency; the spread is log-normal with a heavy tail on top.
    pub median_latency_ms: f64,
    /// Micro-USD per million input and output tokens, when the publisher reports its own cost.
    pub supplied_price: Option<(u64, u64)>,
    pub weight: u32,
}

pub const DEPLOYMENTS: &[Deployment] = &[
    Deployment {
        provider: "openai",
        model: "gpt-4o-mini",
        version: "2024-07-18",
        median_latency_ms: 650.0,
        supplied_price: Some((150_000, 600_000)),
        weight: 30,
    },
    Deployment {
        provider: "openai",
        model: "gpt-4o",
        version: "2024-08-06",
        median_latency_ms: 1100.0,
        supplied_price: Some((2_500_000, 10_000_000)),
        weight: 10,
    },
    Deployment {
        provider: "anthropic",
        model: "claude-3-5-haiku",
        version: "20241022",
        median_latency_ms: 750.0,
        supplied_price: None,
        weight: 15,
    },
    Deployment {
        provider: "anthropic",
        model: "claude-sonnet-4",
        version: "20250514",
        median_latency_ms: 1600.0,
        supplied_price: None,
        weight: 8,
    },
    Deployment {
        provider: "google",
        model: "gemini-2.0-flash",
        version: "001",
        median_latency_ms: 520.0,
        supplied_price: None,
        weight: 12,
    },
    Deployment {
        provider: "mistral",
        model: "mistral-small",
        version: "2409",
        median_latency_ms: 600.0,
        supplied_price: None,
        weight: 7,
    },
    Deployment {
        provider: "self-hosted",
        model: "llama-3.1-8b-instruct",
        version: "v1",
        median_latency_ms: 320.0,
        supplied_price: None,
        weight: 10,
    },
    Deployment {
        provider: "self-hosted",
        model: "llama-3.1-8b-instruct",
        version: "v2",
        median_latency_ms: 340.0,
        supplied_price: None,
        weight: 8,
    },
];

pub const SERVICES: &[&str] = &[
    "support-bot",
    "search-summarizer",
    "code-assistant",
    "sales-email",
];
pub const TENANTS: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli"];
pub const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "ap-south-1"];

/// Error classes, weighted by how often they show up in practice.
pub const ERRORS: &[(&str, &str, u32)] = &[
    ("rate_limit", "429 Too Many Requests", 40),
    ("timeout", "upstream timed out", 30),
    ("server_error", "500 Internal Server Error", 20),
    ("content_filter", "the response was filtered", 10),
];

pub const PROMPTS: &[&str] = &[
    "How do I reset my password?",
    "Summarise this support ticket in two sentences.",
    "Write a polite follow-up email to a customer who has not paid their invoice.",
    "What is the difference between a process and a thread?",
    "Translate 'where is the train station' into French.",
    "Explain the refund policy for annual plans.",
    "Write a unit test for a function that parses ISO dates.",
    "Give me three subject lines for a product launch email.",
    "Why does my Python script say 'ModuleNotFoundError'?",
    "Summarise the key points of the quarterly report.",
    "Can I change the delivery address after ordering?",
    "Draft a short apology for a delayed shipment.",
    "What are the opening hours of the support line?",
    "Refactor this loop into a list comprehension.",
    "Suggest a name for a team offsite.",
    "How do I export my data as CSV?",
];

pub const OUTPUTS: &[&str] = &[
    "Open Settings, choose Security, then select Reset password and follow the link we email you.",
    "The customer reports a failed payment and asks for a new invoice. They would like it by Friday.",
    "Hi Sam, I hope you are well. This is a friendly reminder that invoice 1042 is now 14 days overdue.",
    "A process has its own memory space; threads share the memory of the process that created them.",
    "Où est la gare ?",
    "Annual plans can be refunded in full within 30 days, and pro rata after that.",
    "Here is a test that covers valid dates, leap years and malformed input.",
    "1. Meet the new dashboard 2. Your data, faster 3. Built for teams like yours",
    "The package is not installed in the active environment; run pip install in the same interpreter.",
    "Revenue grew 4% quarter on quarter, margins held steady, and churn fell slightly.",
    "Yes, you can change it from the Orders page until the parcel has been dispatched.",
    "We are sorry your order is late. It is on its way and should reach you within two days.",
    "The support line is open from 8am to 8pm on weekdays and 10am to 4pm on Saturdays.",
    "squares = [x * x for x in values if x > 0]",
    "How about 'Summit 2026' or 'Basecamp Days'?",
    "Go to Account, then Data, and choose Export as CSV; the file arrives by email.",
];
