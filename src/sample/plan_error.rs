//! Why a sampler plan cannot be built, as a value. The same error is worded twice: with the
//! command line's flag names ([`std::fmt::Display`], for `scorefield sample` and the figure
//! commands) and with the app's control labels ([`PlanError::in_app`]), so a lecturer who typed
//! no flag never reads one.

/// A sampler setting, named by its flag and by its control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanParam {
    SigmaMin,
    SigmaMax,
    Eps,
    Steps,
    Levels,
    Snr,
    Eta,
}

impl PlanParam {
    /// The command-line flag.
    pub fn flag(&self) -> &'static str {
        match self {
            PlanParam::SigmaMin => "--sigma-min",
            PlanParam::SigmaMax => "--sigma-max",
            PlanParam::Eps => "--eps",
            PlanParam::Steps => "--steps",
            PlanParam::Levels => "--levels",
            PlanParam::Snr => "--snr",
            PlanParam::Eta => "--eta",
        }
    }

    /// The app's control label.
    pub fn control(&self) -> &'static str {
        match self {
            PlanParam::SigmaMin => "sampler sigma_min",
            PlanParam::SigmaMax => "sampler sigma_max",
            PlanParam::Eps => "eps",
            PlanParam::Steps => "steps per level T",
            PlanParam::Levels => "levels L",
            PlanParam::Snr => "corrector snr",
            PlanParam::Eta => "DDIM eta",
        }
    }
}

/// Why a plan cannot be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{} must be finite and > 0, got {value}", .param.flag())]
    NotPositive { param: PlanParam, value: f64 },
    #[error("{} must be at least {min}", .param.flag())]
    TooFew { param: PlanParam, min: usize },
    #[error("--sigma-max ({max}) must be >= --sigma-min ({min})")]
    SigmaOrder { max: f64, min: f64 },
    #[error("{} ({value}) must be at most {limit:e}", .param.flag())]
    TooLarge {
        param: PlanParam,
        value: f64,
        limit: f64,
    },
    #[error("{} ({value}) is over the limit of {limit}", .param.flag())]
    OverLimit {
        param: PlanParam,
        value: u64,
        limit: u64,
    },
    #[error("--levels × --steps = {value} is over the limit of {limit}")]
    TooManySteps { value: u64, limit: u64 },
    #[error("--eta must be in [0, 1], got {0}")]
    Eta(f64),
    #[error("mala needs a density, and the {0} score has none")]
    NoDensity(String),
    /// A data-set or schedule problem with no flag of its own.
    #[error("{0}")]
    Other(String),
}

impl PlanError {
    /// The message worded with the app's control labels.
    pub fn in_app(&self) -> String {
        match self {
            PlanError::NotPositive { param, value } => {
                format!("{} must be > 0, got {value}", param.control())
            }
            PlanError::TooFew { param, min } => {
                format!("{} must be at least {min}", param.control())
            }
            PlanError::SigmaOrder { max, min } => {
                format!("sampler sigma_max ({max}) must be at least sampler sigma_min ({min})")
            }
            PlanError::TooLarge {
                param,
                value,
                limit,
            } => format!("{} ({value}) must be at most {limit:e}", param.control()),
            PlanError::OverLimit {
                param,
                value,
                limit,
            } => format!("{} ({value}) is over the limit of {limit}", param.control()),
            PlanError::TooManySteps { value, limit } => {
                format!("levels L × steps per level T = {value} is over the limit of {limit}")
            }
            PlanError::Eta(v) => format!("DDIM eta must be in [0, 1], got {v}"),
            PlanError::NoDensity(score) => format!(
                "MALA needs a density, and the {score} score has none: choose another sampler"
            ),
            PlanError::Other(m) => m.clone(),
        }
    }
}

impl From<String> for PlanError {
    fn from(message: String) -> PlanError {
        PlanError::Other(message)
    }
}

impl From<PlanError> for String {
    fn from(e: PlanError) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_reads_flags_and_the_app_reads_controls() {
        let e = PlanError::SigmaOrder { max: 0.5, min: 1.0 };
        assert_eq!(
            e.to_string(),
            "--sigma-max (0.5) must be >= --sigma-min (1)"
        );
        assert!(!e.in_app().contains("--"), "{}", e.in_app());
        assert!(e.in_app().contains("sampler sigma_max"));
        let e = PlanError::NotPositive {
            param: PlanParam::Eps,
            value: -1.0,
        };
        assert!(e.to_string().starts_with("--eps"));
        assert!(e.in_app().starts_with("eps must be > 0"));
    }
}
