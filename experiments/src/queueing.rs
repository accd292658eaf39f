//! Closed forms of queueing theory that hartlab's measurements are checked against
//! (../shared/reference/scheduling-experiments.md §5): M/M/1, M/D/1, M/G/1 FCFS
//! (Pollaczek–Khinchine), M/G/1 processor sharing, M/M/c (Erlang C) and M/G/c FCFS.
//!
//! Times are in any one unit (λ in its inverse). Percentiles of M/G/1 FCFS sojourn times,
//! M/D/1's included, come from [`Mg1Fcfs`]: the exact waiting-time distribution of M/G/1
//! FCFS, a geometric sum of residual service times (the Pollaczek–Khinchine transform
//! W̃(s) = (1−ρ)s/(s − λ(1 − S̃(s))) read as a compound geometric law: Beneš 1956, Kleinrock
//! vol. 1 §5.7), evaluated on a grid twice, once with every residual time rounded down and
//! once rounded up. The two results bound the true distribution from both sides (stochastic
//! order), so each percentile comes with a bracket whose width is the grid step. For M/D/1 the
//! result is checked in the tests against Erlang's closed form (Erlang 1909, Crommelin 1932,
//! [`md1_wait_cdf`]), which cancels catastrophically in floating point for large t and so is
//! not used for the tail itself.
//!
//! M/G/c FCFS (one queue, c servers, general service) has no closed form; [`MgcFcfs`]
//! evaluates it by the Kiefer–Wolfowitz recursion on the servers' workload vector (Kiefer and
//! Wolfowitz 1955), fed Poisson arrivals and the given service distribution from a fixed
//! seed, so the same inputs give the same numbers on any host; its batch-means interval
//! brackets each number. With exponential service it is checked against Erlang C.

use std::fmt;

/// Why a model has no steady state or its inputs make no sense.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueingError {
    /// The load is at or above 1 (or not a number).
    Unstable {
        /// Per-server load ρ.
        rho: f64,
    },
    /// A parameter is not positive and finite.
    BadParameter {
        /// Its name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A service distribution without samples.
    NoSamples,
}

impl fmt::Display for QueueingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unstable { rho } => {
                write!(f, "load ρ = {rho} has no steady state (it must be below 1)")
            }
            Self::BadParameter { name, value } => {
                write!(f, "{name} = {value} must be positive and finite")
            }
            Self::NoSamples => write!(f, "the service-time distribution has no samples"),
        }
    }
}

impl std::error::Error for QueueingError {}

fn positive(name: &'static str, value: f64) -> Result<f64, QueueingError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(QueueingError::BadParameter { name, value })
    }
}

fn probability(p: f64) -> Result<f64, QueueingError> {
    if p > 0.0 && p < 1.0 {
        Ok(p)
    } else {
        Err(QueueingError::BadParameter {
            name: "percentile fraction",
            value: p,
        })
    }
}

/// Per-server load ρ = λE[S]/c, checked below 1.
pub fn load(lambda: f64, mean_service: f64, servers: u32) -> Result<f64, QueueingError> {
    positive("arrival rate", lambda)?;
    positive("mean service time", mean_service)?;
    let rho = lambda * mean_service / f64::from(servers.max(1));
    if rho < 1.0 {
        Ok(rho)
    } else {
        Err(QueueingError::Unstable { rho })
    }
}

/// M/M/1 mean sojourn time E[T] = E[S]/(1−ρ) (§5.1).
pub fn mm1_mean(lambda: f64, mean_service: f64) -> Result<f64, QueueingError> {
    let rho = load(lambda, mean_service, 1)?;
    Ok(mean_service / (1.0 - rho))
}

/// M/M/1 sojourn-time quantile: T is exponential of mean E[S]/(1−ρ), so
/// t_p = ln(1/(1−p))·E[S]/(1−ρ) (§5.1).
pub fn mm1_quantile(lambda: f64, mean_service: f64, p: f64) -> Result<f64, QueueingError> {
    let p = probability(p)?;
    Ok(-(1.0 - p).ln() * mm1_mean(lambda, mean_service)?)
}

/// M/G/1 FCFS mean sojourn time by Pollaczek–Khinchine from the first two moments of S:
/// E[T] = E[S] + λE[S²]/(2(1−ρ)) (§5.3).
pub fn pk_mean(lambda: f64, m1: f64, m2: f64) -> Result<f64, QueueingError> {
    let rho = load(lambda, m1, 1)?;
    positive("E[S²]", m2)?;
    Ok(m1 + lambda * m2 / (2.0 * (1.0 - rho)))
}

/// Mean sojourn time of M/G/1 FCFS with exceptional first service (Welch 1964): a request
/// that finds the server idle needs S₀ (moments `f1`, `f2`), the others S (`m1`, `m2`). With
/// ρ = λE[S], the probability of finding it idle is p₀ = (1−ρ)/(1−ρ+λE[S₀]), the mean wait
/// E[W] = λ(p₀E[S₀²] + (1−p₀)E[S²])/(2(1−ρ)) (from the workload's mean by PASTA), and
/// E[T] = E[W] + p₀E[S₀] + (1−p₀)E[S]. With S₀ = S it is Pollaczek–Khinchine.
pub fn exceptional_first_mean(
    lambda: f64,
    (m1, m2): (f64, f64),
    (f1, f2): (f64, f64),
) -> Result<f64, QueueingError> {
    let rho = load(lambda, m1, 1)?;
    positive("E[S₀]", f1)?;
    let p0 = (1.0 - rho) / (1.0 - rho + lambda * f1);
    let wait = lambda * (p0 * f2 + (1.0 - p0) * m2) / (2.0 * (1.0 - rho));
    Ok(wait + p0 * f1 + (1.0 - p0) * m1)
}

/// M/D/1 mean sojourn time: P–K with E[S²] = D².
pub fn md1_mean(lambda: f64, d: f64) -> Result<f64, QueueingError> {
    pk_mean(lambda, d, d * d)
}

/// Erlang's M/D/1 waiting-time distribution (Erlang 1909; Crommelin 1932):
/// P(W ≤ t) = (1−ρ) Σ_{k=0}^{⌊t/D⌋} (λ(kD − t))^k / k! · e^{λ(t − kD)}.
/// An alternating sum whose terms grow like e^{2λt}: exact in floating point only while
/// λt stays small (below about 5), which is where the tests use it.
pub fn md1_wait_cdf(lambda: f64, d: f64, t: f64) -> Result<f64, QueueingError> {
    let rho = load(lambda, d, 1)?;
    if t < 0.0 {
        return Ok(0.0);
    }
    let mut sum = 0.0;
    let mut k = 0u32;
    while f64::from(k) * d <= t {
        let x = lambda * (f64::from(k) * d - t);
        let mut term = (-x).exp();
        for i in 1..=k {
            term *= x / f64::from(i);
        }
        sum += term;
        k += 1;
    }
    Ok((1.0 - rho) * sum)
}

/// M/G/1 processor-sharing mean sojourn time E[T] = E[S]/(1−ρ), whatever the distribution
/// of S beyond its mean (§5.4).
pub fn ps_mean(lambda: f64, mean_service: f64) -> Result<f64, QueueingError> {
    mm1_mean(lambda, mean_service)
}

/// M/M/c with offered load a = λE[S] on c servers (§5.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    /// Servers.
    pub c: u32,
    /// Arrival rate.
    pub lambda: f64,
    /// Service rate of one server, 1/E[S].
    pub mu: f64,
    /// Probability that an arrival waits, C(c, a).
    pub wait_probability: f64,
}

impl Mmc {
    /// The queue with arrival rate `lambda`, mean service time `mean_service`, `c` servers.
    pub fn new(c: u32, lambda: f64, mean_service: f64) -> Result<Self, QueueingError> {
        if c == 0 {
            return Err(QueueingError::BadParameter {
                name: "servers",
                value: 0.0,
            });
        }
        let rho = load(lambda, mean_service, c)?;
        let a = lambda * mean_service;
        // Erlang B by its stable recursion, then C = B/(1 − ρ(1 − B)) (§5.2).
        let mut b = 1.0;
        for k in 1..=c {
            b = a * b / (f64::from(k) + a * b);
        }
        Ok(Self {
            c,
            lambda,
            mu: 1.0 / mean_service,
            wait_probability: b / (1.0 - rho * (1.0 - b)),
        })
    }

    /// θ = cμ − λ, the rate of the waiting time's exponential tail.
    fn theta(&self) -> f64 {
        f64::from(self.c) * self.mu - self.lambda
    }

    /// Mean sojourn time E[T] = C/(cμ − λ) + 1/μ.
    pub fn mean(&self) -> f64 {
        self.wait_probability / self.theta() + 1.0 / self.mu
    }

    /// P(T > t): (1−C)e^{−μt} + C(θe^{−μt} − μe^{−θt})/(θ − μ), or C(1 + μt)e^{−μt} when
    /// θ = μ (§5.2).
    pub fn sojourn_tail(&self, t: f64) -> f64 {
        let (c, mu, th) = (self.wait_probability, self.mu, self.theta());
        let service = (1.0 - c) * (-mu * t).exp();
        let waited = if ((th - mu) / mu).abs() < 1e-9 {
            c * (1.0 + mu * t) * (-mu * t).exp()
        } else {
            c * (th * (-mu * t).exp() - mu * (-th * t).exp()) / (th - mu)
        };
        service + waited
    }

    /// The sojourn-time quantile: P(T > t) = 1 − p solved by bisection (the tail falls
    /// monotonically).
    pub fn quantile(&self, p: f64) -> Result<f64, QueueingError> {
        let target = 1.0 - probability(p)?;
        let mut hi = 1.0 / self.mu;
        while self.sojourn_tail(hi) > target {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.sojourn_tail(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= hi * 1e-14 {
                break;
            }
        }
        Ok(0.5 * (lo + hi))
    }
}

/// A service-time distribution given by its atoms (value, weight), such as a histogram of
/// measured service times.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// (value, probability), ascending values, probabilities summing to 1.
    atoms: Vec<(f64, f64)>,
}

impl Service {
    /// The distribution of `atoms` (value, weight ≥ 0); weights are normalised.
    pub fn new(atoms: impl IntoIterator<Item = (f64, f64)>) -> Result<Self, QueueingError> {
        let mut atoms: Vec<(f64, f64)> = atoms.into_iter().filter(|&(_, w)| w > 0.0).collect();
        for &(v, w) in &atoms {
            if !(v.is_finite() && v >= 0.0) {
                return Err(QueueingError::BadParameter {
                    name: "service time",
                    value: v,
                });
            }
            positive("weight", w)?;
        }
        let total: f64 = atoms.iter().map(|a| a.1).sum();
        if atoms.is_empty() || total <= 0.0 {
            return Err(QueueingError::NoSamples);
        }
        atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
        for a in &mut atoms {
            a.1 /= total;
        }
        positive("mean service time", atoms.iter().map(|a| a.0 * a.1).sum())?;
        Ok(Self { atoms })
    }

    /// A single value D (deterministic service).
    pub fn fixed(d: f64) -> Result<Self, QueueingError> {
        Self::new([(positive("service time", d)?, 1.0)])
    }

    /// E[S^k].
    pub fn moment(&self, k: i32) -> f64 {
        self.atoms.iter().map(|&(v, p)| v.powi(k) * p).sum()
    }

    /// The largest value.
    fn max(&self) -> f64 {
        self.atoms.last().map_or(0.0, |a| a.0)
    }

    /// E[min(S, y)] = ∫₀^y P(S > u) du: y·E[S] times the residual-time CDF at y.
    fn integrated_tail(&self, y: f64) -> f64 {
        self.atoms.iter().map(|&(v, p)| v.min(y) * p).sum()
    }
}

/// Grid cells of the M/G/1 distributions; the percentiles' brackets are one cell wide.
const GRID_CELLS: usize = 20_000;

/// The M/G/1 FCFS sojourn-time distribution for arrival rate λ and service `S`.
#[derive(Debug, Clone)]
pub struct Mg1Fcfs {
    lambda: f64,
    service: Service,
    rho: f64,
}

/// A percentile known to lie in `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracket {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Bracket {
    /// The middle of the bracket.
    pub fn mid(&self) -> f64 {
        0.5 * (self.low + self.high)
    }
}

impl Mg1Fcfs {
    /// The queue with arrival rate `lambda` and service times `service`.
    pub fn new(lambda: f64, service: Service) -> Result<Self, QueueingError> {
        let rho = load(lambda, service.moment(1), 1)?;
        Ok(Self {
            lambda,
            service,
            rho,
        })
    }

    /// Mean sojourn time (Pollaczek–Khinchine).
    pub fn mean(&self) -> f64 {
        self.service.moment(1) + self.lambda * self.service.moment(2) / (2.0 * (1.0 - self.rho))
    }

    /// The `ps` quantiles of the sojourn time T = W + S, each bracketed (see the module's
    /// documentation). The grid is widened until both bounds reach every `p` within it.
    pub fn quantiles(&self, ps: &[f64]) -> Result<Vec<Bracket>, QueueingError> {
        let top = ps
            .iter()
            .try_fold(0.5f64, |m, &p| probability(p).map(|p| m.max(p)))?;
        // A first range: the largest service time plus an exponential tail of the waiting
        // time's mean (Kingman's bound has that form), doubled while it is too short.
        let es = self.service.moment(1);
        let mean_wait = self.mean() - es;
        let mut range = self.service.max() + mean_wait.max(es) * (2.0 - (1.0 - top).ln());
        loop {
            let h = range / GRID_CELLS as f64;
            let low = self.sojourn_on_grid(h, false);
            let high = self.sojourn_on_grid(h, true);
            let found: Option<Vec<Bracket>> = ps
                .iter()
                .map(|&p| {
                    Some(Bracket {
                        low: quantile_on_grid(&low, p)? as f64 * h,
                        high: quantile_on_grid(&high, p)? as f64 * h,
                    })
                })
                .collect();
            if let Some(found) = found {
                return Ok(found);
            }
            range *= 2.0;
        }
    }

    /// The `p` quantile of the sojourn time, bracketed.
    pub fn quantile(&self, p: f64) -> Result<Bracket, QueueingError> {
        Ok(self.quantiles(&[p])?[0])
    }

    /// P(T = kh) for k < GRID_CELLS with every time rounded down (`up = false`: a lower
    /// bound of T in stochastic order) or up (an upper bound).
    fn sojourn_on_grid(&self, h: f64, up: bool) -> Vec<f64> {
        let n = GRID_CELLS;
        let es = self.service.moment(1);
        let cell_of = |v: f64| {
            let c = v / h;
            (if up { c.ceil() } else { c.floor() }) as usize
        };
        // The residual service time's mass per cell [jh, (j+1)h), put at its lower or
        // upper edge.
        let cells = ((self.service.max() / h).ceil() as usize).min(n);
        let mut f = vec![0.0; n + 1];
        let mut before = 0.0;
        for j in 0..cells {
            let after = self.service.integrated_tail((j + 1) as f64 * h) / es;
            f[if up { j + 1 } else { j }] += after - before;
            before = after;
        }
        // Compound geometric (Panjer's recursion with a = ρ, b = 0):
        // g₀ = (1−ρ)/(1−ρf₀), g_k = ρ/(1−ρf₀) Σ_{j=1..k} f_j g_{k−j}.
        let rho = self.rho;
        let scale = 1.0 / (1.0 - rho * f[0]);
        let mut g = vec![0.0; n];
        g[0] = (1.0 - rho) * scale;
        let last = f.iter().rposition(|&x| x > 0.0).unwrap_or(0);
        for k in 1..n {
            let s: f64 = (1..=k.min(last)).map(|j| f[j] * g[k - j]).sum();
            g[k] = rho * scale * s;
        }
        // S on the same grid, then T = W + S (independent under FCFS).
        let mut s = vec![0.0; n];
        for &(v, p) in &self.service.atoms {
            if let Some(cell) = s.get_mut(cell_of(v)) {
                *cell += p;
            }
        }
        let mut t = vec![0.0; n];
        for (shift, &p) in s.iter().enumerate().filter(|(_, &p)| p > 0.0) {
            for (k, &w) in g[..n - shift].iter().enumerate() {
                t[k + shift] += p * w;
            }
        }
        t
    }
}

/// Customers of an [`MgcFcfs`] evaluation after its warm-up, and the warm-up's.
const MGC_CUSTOMERS: usize = 4_000_000;
const MGC_WARMUP: usize = 100_000;
/// Batches of the evaluation's batch-means intervals.
const MGC_BATCHES: usize = 20;

/// M/G/c FCFS, one queue and `c` servers, each request taking the first free server: the
/// sojourn times of a long run of the Kiefer–Wolfowitz recursion (see the module's
/// documentation). Each statistic comes bracketed by its 95 % batch-means interval.
#[derive(Debug, Clone)]
pub struct MgcFcfs {
    /// Sojourn times in arrival order, after the warm-up.
    sojourns: Vec<f64>,
}

impl MgcFcfs {
    /// The queue with `c` servers, arrival rate `lambda` and service times `service`.
    pub fn new(c: u32, lambda: f64, service: &Service) -> Result<Self, QueueingError> {
        Self::with_customers(c, lambda, service, MGC_CUSTOMERS)
    }

    /// [`MgcFcfs::new`] over `customers` requests after the warm-up (at least one per batch).
    pub fn with_customers(
        c: u32,
        lambda: f64,
        service: &Service,
        customers: usize,
    ) -> Result<Self, QueueingError> {
        if c == 0 {
            return Err(QueueingError::BadParameter {
                name: "servers",
                value: 0.0,
            });
        }
        load(lambda, service.moment(1), c)?;
        let customers = customers.max(MGC_BATCHES);
        let mut cumulative = Vec::with_capacity(service.atoms.len());
        let mut sum = 0.0;
        for &(_, p) in &service.atoms {
            sum += p;
            cumulative.push(sum);
        }
        let mut random = SplitMix64(0x6d67_635f_6663_6673);
        // Each server's remaining work at the current arrival.
        let mut work = vec![0.0f64; c as usize];
        let mut sojourns = Vec::with_capacity(customers);
        for i in 0..MGC_WARMUP + customers {
            let gap = -random.unit().ln() / lambda;
            for w in &mut work {
                *w = (*w - gap).max(0.0);
            }
            let (k, wait) = work
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            let u = random.unit();
            let atom = cumulative
                .partition_point(|&f| f < u)
                .min(service.atoms.len() - 1);
            let s = service.atoms[atom].0;
            work[k] = wait + s;
            if i >= MGC_WARMUP {
                sojourns.push(wait + s);
            }
        }
        Ok(Self { sojourns })
    }

    /// `stat` over the whole run, bracketed by the batch estimates' 95 % interval.
    fn bracketed(&self, stat: impl Fn(&mut [f64]) -> f64) -> Bracket {
        let mut all = self.sojourns.clone();
        let whole = stat(&mut all);
        let size = self.sojourns.len() / MGC_BATCHES;
        let batches: Vec<f64> = self
            .sojourns
            .chunks_exact(size)
            .map(|b| stat(&mut b.to_vec()))
            .collect();
        let n = batches.len() as f64;
        let centre = batches.iter().sum::<f64>() / n;
        let var = batches.iter().map(|x| (x - centre).powi(2)).sum::<f64>() / (n - 1.0);
        // t(0.975) with 19 degrees of freedom.
        let half = 2.093 * (var / n).sqrt();
        Bracket {
            low: whole - half,
            high: whole + half,
        }
    }

    /// Mean sojourn time.
    pub fn mean(&self) -> Bracket {
        self.bracketed(|x| x.iter().sum::<f64>() / x.len() as f64)
    }

    /// The `p` quantile of the sojourn time.
    pub fn quantile(&self, p: f64) -> Result<Bracket, QueueingError> {
        let p = probability(p)?;
        Ok(self.bracketed(|x| {
            let k = ((p * x.len() as f64).ceil() as usize).clamp(1, x.len()) - 1;
            *x.select_nth_unstable_by(k, f64::total_cmp).1
        }))
    }
}

/// SplitMix64 (Steele, Lea and Flood): the [`MgcFcfs`] evaluation's numbers.
struct SplitMix64(u64);

impl SplitMix64 {
    /// Uniform in (0, 1] (never 0, so its logarithm is finite).
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + 1.0 / (1u64 << 53) as f64
    }
}

/// The first cell at which the cumulative sum of `dist` reaches `p`, if any does.
fn quantile_on_grid(dist: &[f64], p: f64) -> Option<usize> {
    let mut sum = 0.0;
    dist.iter().position(|&x| {
        sum += x;
        sum >= p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement to `tol`.
    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs()
    }

    const LOADS: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

    #[test]
    fn mm1_matches_the_reference_table() {
        // scheduling-experiments.md §5.6, E[S] = 1.
        let mean = [2.0, 5.0, 10.0, 20.0];
        let p99 = [9.2103, 23.0259, 46.0517, 92.1034];
        let p999 = [13.8155, 34.5388, 69.0776, 138.1551];
        for (i, &rho) in LOADS.iter().enumerate() {
            assert!(close(mm1_mean(rho, 1.0).unwrap(), mean[i], 1e-12));
            assert!(close(mm1_quantile(rho, 1.0, 0.99).unwrap(), p99[i], 1e-5));
            assert!(close(mm1_quantile(rho, 1.0, 0.999).unwrap(), p999[i], 1e-5));
            assert!(close(ps_mean(rho, 1.0).unwrap(), mean[i], 1e-12));
        }
    }

    #[test]
    fn pollaczek_khinchine_matches_the_reference_table() {
        let md1 = [1.5, 3.0, 5.5, 10.5];
        let bimodal1 = [2.625, 7.5, 15.625, 31.875];
        let extreme = [211.546, 837.193, 1879.937, 3965.425];
        let extreme_ps = [5.995, 14.9875, 29.975, 59.95];
        for (i, &rho) in LOADS.iter().enumerate() {
            assert!(close(md1_mean(rho, 1.0).unwrap(), md1[i], 1e-12));
            // ZygOS bimodal-1: E[S] = 1, E[S²] = 3.25.
            assert!(close(pk_mean(rho, 1.0, 3.25).unwrap(), bimodal1[i], 1e-12));
            // Extreme bimodal (µs): 99.5 % 0.5, 0.5 % 500 (E[S²] = 1250.25 in the table,
            // rounded).
            let s = Service::new([(0.5, 0.995), (500.0, 0.005)]).unwrap();
            let lambda = rho / s.moment(1);
            let pk = pk_mean(lambda, s.moment(1), s.moment(2)).unwrap();
            // (The table used the rounded E[S²]: 837.193 against 837.1918 at ρ = 0.8.)
            assert!(close(pk, extreme[i], 5e-6), "{pk}");
            assert!(close(ps_mean(lambda, 2.9975).unwrap(), extreme_ps[i], 1e-6));
        }
    }

    #[test]
    fn exceptional_first_service_reduces_to_pk_and_costs_more_when_dearer() {
        for rho in LOADS {
            let pk = pk_mean(rho, 1.0, 2.0).unwrap();
            let same = exceptional_first_mean(rho, (1.0, 2.0), (1.0, 2.0)).unwrap();
            assert!(close(same, pk, 1e-12));
            // A dearer first service (one more unit, deterministic shift of exponential).
            let dearer = exceptional_first_mean(rho, (1.0, 2.0), (2.0, 5.0)).unwrap();
            assert!(dearer > pk);
        }
        // M/D/1 with D₀ = 2D at ρ = 0.5, by hand: p₀ = 0.5/(0.5 + 1) = 1/3,
        // E[W] = 0.5(4/3 + 2/3)/(2·0.5) = 1, E[T] = 1 + 2/3 + 2/3.
        let t = exceptional_first_mean(0.5, (1.0, 1.0), (2.0, 4.0)).unwrap();
        assert!(close(t, 1.0 + 4.0 / 3.0, 1e-12), "{t}");
    }

    #[test]
    fn erlang_c_matches_the_reference_table() {
        let wait4 = [0.1739, 0.5964, 0.7878, 0.8914];
        let mean4 = [1.0870, 1.7455, 2.9694, 5.4571];
        let p99_4 = [4.7642, 6.8932, 12.1932, 23.5669];
        let p999_4 = [7.0680, 9.8797, 17.9500, 35.0798];
        let wait16 = [0.0090, 0.3049, 0.5913, 0.7802];
        let mean16 = [1.0011, 1.0953, 1.3696, 1.9752];
        let p99_16 = [4.6065, 4.7350, 5.2698, 7.2166];
        let p999_16 = [6.9090, 7.0375, 7.5884, 10.2094];
        for (i, &rho) in LOADS.iter().enumerate() {
            let q = Mmc::new(4, 4.0 * rho, 1.0).unwrap();
            assert!((q.wait_probability - wait4[i]).abs() < 5e-5, "{q:?}");
            assert!(close(q.mean(), mean4[i], 1e-4));
            assert!(close(q.quantile(0.99).unwrap(), p99_4[i], 1e-4));
            assert!(close(q.quantile(0.999).unwrap(), p999_4[i], 1e-4));
            let q = Mmc::new(16, 16.0 * rho, 1.0).unwrap();
            assert!((q.wait_probability - wait16[i]).abs() < 5e-5, "{q:?}");
            assert!(close(q.mean(), mean16[i], 1e-4));
            assert!(close(q.quantile(0.99).unwrap(), p99_16[i], 1e-4));
            assert!(close(q.quantile(0.999).unwrap(), p999_16[i], 1e-4));
        }
        // One server is M/M/1 (θ = μ when ρ = 0 is excluded; ρ = 0.5 gives θ ≠ μ).
        let one = Mmc::new(1, 0.5, 1.0).unwrap();
        assert!(close(one.wait_probability, 0.5, 1e-12));
        assert!(close(one.quantile(0.99).unwrap(), 9.2103, 1e-5));
        // The θ = μ branch is the limit of the other: c = 2, λ = μ.
        let at = Mmc::new(2, 1.0, 1.0).unwrap();
        let near = Mmc::new(2, 1.0 + 1e-6, 1.0).unwrap();
        assert!(close(at.sojourn_tail(3.0), near.sojourn_tail(3.0), 1e-5));
    }

    #[test]
    fn the_mgc_evaluation_meets_erlang_c_and_pollaczek_khinchine() {
        let exp = exponential_atoms(4_000);
        for (c, rho) in [
            (2u32, 0.5),
            (2, 0.8),
            (4, 0.5),
            (4, 0.8),
            (2, 0.9),
            (4, 0.9),
        ] {
            let lambda = f64::from(c) * rho;
            let q = MgcFcfs::with_customers(c, lambda, &exp, 1_000_000).unwrap();
            let exact = Mmc::new(c, lambda, 1.0).unwrap();
            let within = |b: Bracket, x: f64, what: &str| {
                // Erlang C within twice the batch interval's half (95 %); and the interval
                // narrow (within ±8 %) up to ρ = 0.8 for a million requests.
                let half = 0.5 * (b.high - b.low);
                assert!(
                    (b.mid() - x).abs() <= 2.0 * half,
                    "{what} c={c} ρ={rho}: {b:?} vs {x}"
                );
                assert!(rho > 0.8 || half < 0.08 * x, "{what} c={c} ρ={rho}: {b:?}");
            };
            within(q.mean(), exact.mean(), "mean");
            within(
                q.quantile(0.99).unwrap(),
                exact.quantile(0.99).unwrap(),
                "p99",
            );
        }
        // One server: Pollaczek–Khinchine for a bimodal service, and M/D/1.
        let bimodal = Service::new([(0.5, 0.9), (5.5, 0.1)]).unwrap();
        let q = MgcFcfs::with_customers(1, 0.8, &bimodal, 400_000).unwrap();
        let b = q.mean();
        let pk = pk_mean(0.8, 1.0, 3.25).unwrap();
        assert!(
            (b.mid() - pk).abs() <= 1.33 * 0.5 * (b.high - b.low),
            "{b:?} vs {pk}"
        );
        let d = MgcFcfs::with_customers(1, 0.5, &Service::fixed(1.0).unwrap(), 100_000).unwrap();
        assert!(close(d.mean().mid(), 1.5, 0.02));
        // Deterministic, and a second server lowers the sojourn at the same per-server load.
        assert_eq!(
            MgcFcfs::with_customers(2, 1.6, &exp, 50_000)
                .unwrap()
                .sojourns,
            MgcFcfs::with_customers(2, 1.6, &exp, 50_000)
                .unwrap()
                .sojourns
        );
        assert!(matches!(
            MgcFcfs::new(2, 2.5, &exp),
            Err(QueueingError::Unstable { .. })
        ));
        assert!(MgcFcfs::new(0, 0.5, &exp).is_err());
    }

    #[test]
    fn unstable_or_meaningless_inputs_are_errors() {
        assert_eq!(
            mm1_mean(1.0, 1.0),
            Err(QueueingError::Unstable { rho: 1.0 })
        );
        assert!(matches!(
            Mmc::new(2, 3.0, 1.0),
            Err(QueueingError::Unstable { .. })
        ));
        assert!(matches!(
            pk_mean(f64::NAN, 1.0, 1.0),
            Err(QueueingError::BadParameter { .. })
        ));
        assert!(matches!(
            mm1_quantile(0.5, 1.0, 1.0),
            Err(QueueingError::BadParameter { .. })
        ));
        assert_eq!(Service::new([]), Err(QueueingError::NoSamples));
        assert!(Mmc::new(0, 0.5, 1.0).is_err());
        let e = mm1_mean(2.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("ρ = 2"), "{e}");
    }

    /// Exponential service of mean 1 as equal-probability atoms at its quantile midpoints.
    fn exponential_atoms(n: usize) -> Service {
        Service::new((0..n).map(|i| (-(1.0 - (i as f64 + 0.5) / n as f64).ln(), 1.0))).unwrap()
    }

    #[test]
    fn the_mg1_distribution_brackets_mm1_and_md1() {
        let exp = exponential_atoms(20_000);
        for &rho in &[0.5, 0.8, 0.9] {
            let q = Mg1Fcfs::new(rho, exp.clone()).unwrap();
            assert!(close(q.mean(), mm1_mean(rho, 1.0).unwrap(), 2e-3));
            let ps = [0.5, 0.99, 0.999];
            for (b, &p) in q.quantiles(&ps).unwrap().into_iter().zip(&ps) {
                let exact = mm1_quantile(rho, 1.0, p).unwrap();
                // The atoms stand for the exponential up to their own spacing; the bracket
                // is one grid cell.
                assert!(b.high - b.low <= exact * 5e-3, "{b:?}");
                assert!(
                    close(b.mid(), exact, 2e-3),
                    "ρ {rho} p {p}: {b:?} vs {exact}"
                );
            }
            // M/D/1: the bracket holds the exact waiting-time distribution where Erlang's
            // sum is still exact, and the mean is P–K's.
            let d = Mg1Fcfs::new(rho, Service::fixed(1.0).unwrap()).unwrap();
            assert!(close(d.mean(), md1_mean(rho, 1.0).unwrap(), 1e-12));
            for p in [0.5, 0.8] {
                let b = d.quantile(p).unwrap();
                // T = W + 1: P(T ≤ t) = P(W ≤ t − 1).
                let below = md1_wait_cdf(rho, 1.0, b.low - 1.0 - 1e-9).unwrap();
                let above = md1_wait_cdf(rho, 1.0, b.high - 1.0).unwrap();
                assert!(below <= p && above >= p, "ρ {rho} p {p}: {b:?}");
            }
        }
        // Erlang's formula at t < D is (1−ρ)e^{λt}, and at t = 0 the probability of no wait.
        assert!(close(md1_wait_cdf(0.5, 1.0, 0.0).unwrap(), 0.5, 1e-12));
        assert!(close(
            md1_wait_cdf(0.5, 1.0, 0.5).unwrap(),
            0.5 * 0.25f64.exp(),
            1e-12
        ));
    }

    #[test]
    fn the_mg1_distribution_keeps_pk_for_a_bimodal_service() {
        // ZygOS bimodal-1: 90 % 0.5, 10 % 5.5; its P–K mean and a mean of the bracketed
        // distribution taken from its quantiles agree.
        let s = Service::new([(0.5, 0.9), (5.5, 0.1)]).unwrap();
        assert!(close(s.moment(2), 3.25, 1e-12));
        let q = Mg1Fcfs::new(0.8, s).unwrap();
        assert!(close(q.mean(), 7.5, 1e-12));
        // The mean of each bound's grid distribution brackets P–K's mean.
        let h = 0.01;
        let mean_of = |up| -> f64 {
            let t = q.sojourn_on_grid(h, up);
            t.iter().enumerate().map(|(k, p)| k as f64 * h * p).sum()
        };
        let (low, high) = (mean_of(false), mean_of(true));
        assert!(
            low <= 7.5 && 7.5 <= high && high - low < 0.05,
            "{low} {high}"
        );
        let ps = [0.5, 0.99, 0.999];
        let b = q.quantiles(&ps).unwrap();
        for (i, &p) in ps.iter().enumerate() {
            let alone = q.quantile(p).unwrap();
            assert!(
                alone.low <= b[i].high && b[i].low <= alone.high,
                "{alone:?} {b:?}"
            );
            assert!(b[i].low <= b[i].high && b[i].high - b[i].low < 0.01 * b[i].high);
        }
    }
}
