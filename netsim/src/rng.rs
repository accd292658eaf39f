//! Seeded pseudo-random numbers and the service-time distributions, bit-identical on every
//! host: SplitMix64 (Steele, Lea and Flood's generator, a few lines) for the numbers and the
//! pure-Rust `libm` for the transcendental functions.

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1] (never 0, so its logarithm is finite).
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with mean `mean`.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit())
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        libm::sqrt(-2.0 * libm::log(u)) * libm::cos(2.0 * std::f64::consts::PI * v)
    }
}

/// A distribution of service times in nanoseconds (scheduling-experiments.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Service {
    /// Always `ns`.
    Fixed(u64),
    /// Exponential with mean `ns`.
    Exponential(f64),
    /// `a` with probability `p`, else `b`.
    Bimodal {
        /// Probability of `a`.
        p: f64,
        /// The common (short) value.
        a: u64,
        /// The rare (long) value.
        b: u64,
    },
    /// Lognormal with mean `mean` and shape `sigma` (the standard deviation of the
    /// logarithm).
    Lognormal {
        /// Mean in nanoseconds.
        mean: f64,
        /// Shape.
        sigma: f64,
    },
}

impl Service {
    /// Draw one service time.
    pub fn draw(&self, rng: &mut Rng) -> u64 {
        let ns = match *self {
            Service::Fixed(ns) => return ns,
            Service::Exponential(mean) => rng.exponential(mean),
            Service::Bimodal { p, a, b } => return if rng.unit() <= p { a } else { b },
            Service::Lognormal { mean, sigma } => {
                // mean = exp(mu + sigma^2 / 2).
                let mu = libm::log(mean) - sigma * sigma / 2.0;
                libm::exp(mu + sigma * rng.normal())
            }
        };
        if ns.is_finite() && ns > 0.0 {
            libm::round(ns).min(u64::MAX as f64) as u64
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_reproducible_and_have_the_right_means() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let mean = |s: Service| {
            let mut r = Rng::new(1);
            (0..200_000).map(|_| s.draw(&mut r) as f64).sum::<f64>() / 200_000.0
        };
        assert_eq!(mean(Service::Fixed(5)), 5.0);
        let e = mean(Service::Exponential(1000.0));
        assert!((e - 1000.0).abs() < 10.0, "{e}");
        let bi = mean(Service::Bimodal {
            p: 0.9,
            a: 1000,
            b: 10_000,
        });
        assert!((bi - 1900.0).abs() < 30.0, "{bi}");
        let ln = mean(Service::Lognormal {
            mean: 1000.0,
            sigma: 1.0,
        });
        assert!((ln - 1000.0).abs() < 25.0, "{ln}");
        // The first values are fixed forever: results do not depend on the host.
        assert_eq!(Rng::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
