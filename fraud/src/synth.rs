//! A seeded synthetic history for evaluation: legitimate customers and fraud campaigns whose
//! patterns overlap, so that no single signal separates them.
//!
//! Fraud: card testing (runs of small orders on fresh cards from one IP address), stolen cards
//! (high first orders, often high-risk items shipped to drop addresses, through proxies),
//! velocity bursts (one stolen card used again within hours) and account takeovers (a real
//! customer's identity, a larger order shipped elsewhere). Legitimate look-alikes: gifts shipped
//! to another address, travellers ordering from abroad, loyal big spenders, family bursts of
//! orders, shared (carrier, office) IP addresses, foreign cards whose issuers cannot check AVS.
//! Radar's and Shopify's verdicts are drawn from a noisy latent risk.
//!
//! Deterministic for a seed with this build's `rand` (`StdRng`); not a promise across `rand`
//! versions. Float arithmetic draws random amounts and times; amounts end as exact minor units.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use mapping::{AvsResult, CountryCode, Currency, CvvResult, Money};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use crate::facts::{
    AddressFacts, CardFacts, CustomerHistory, OrderFacts, RadarAssessment, RadarRiskLevel,
    ShopifyRecommendation,
};
use crate::train::{LabelledOrder, OrderOutcome};

/// The categories the synthetic shop sells; the last two are its high-risk ones.
pub const CATEGORIES: [&str; 6] = [
    "apparel",
    "home",
    "beauty",
    "books",
    "electronics",
    "gift_cards",
];

/// The synthetic shop's high-risk categories.
pub const HIGH_RISK_CATEGORIES: [&str; 2] = ["electronics", "gift_cards"];

/// How an order was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// A customer's ordinary order.
    Regular,
    /// A gift shipped to someone else.
    Gift,
    /// A customer ordering from abroad.
    Traveller,
    /// One of several orders a household places within hours.
    FamilyBurst,
    /// Card testing.
    CardTesting,
    /// One high order on a stolen card.
    StolenCard,
    /// One of several orders on one stolen card within hours.
    VelocityBurst,
    /// A real customer's account or card in someone else's hands.
    AccountTakeover,
}

impl Pattern {
    /// Whether the pattern is fraud.
    pub const fn is_fraud(self) -> bool {
        matches!(
            self,
            Self::CardTesting | Self::StolenCard | Self::VelocityBurst | Self::AccountTakeover
        )
    }
}

/// One synthetic order: what the merchant sees, and the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticOrder {
    /// The facts and what the merchant later learns.
    pub order: LabelledOrder,
    /// How it was made (the truth: some fraud is never disputed).
    pub pattern: Pattern,
}

/// Generator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    /// The seed.
    pub seed: u64,
    /// About how many orders (campaigns end whole, so a few more may come).
    pub orders: usize,
    /// The share of fraudulent orders.
    pub fraud_rate: f64,
    /// The first day.
    pub start: OffsetDateTime,
    /// How many days the history spans.
    pub days: i64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 22,
            orders: 100_000,
            fraud_rate: 0.03,
            start: OffsetDateTime::UNIX_EPOCH + Duration::days(20_089), // 2025-01-01
            days: 365,
        }
    }
}

struct Customer {
    email: String,
    card: String,
    home: AddressFacts,
    ip: IpAddr,
    mean_minor: f64,
    guest: bool,
}

struct Generator {
    rng: StdRng,
    countries: Vec<CountryCode>,
    customers: Vec<Customer>,
    drops: Vec<AddressFacts>,
    next_id: u64,
    config: SynthConfig,
}

/// A draft order before history, Radar and Shopify are filled in.
struct Draft {
    facts: OrderFacts,
    pattern: Pattern,
    customer: Option<usize>,
}

/// Generates a history, sorted by time.
pub fn generate(config: &SynthConfig) -> Vec<SyntheticOrder> {
    let mut g = Generator::new(*config);
    let mut drafts = Vec::with_capacity(config.orders + 64);
    let fraud_target = (config.orders as f64 * config.fraud_rate).round() as usize;
    let mut fraud = 0;
    while fraud < fraud_target {
        let before = drafts.len();
        g.fraud_campaign(&mut drafts);
        fraud += drafts.len() - before;
    }
    while drafts.len() < config.orders {
        g.legitimate(&mut drafts);
    }
    drafts.sort_by_key(|d| d.facts.placed_at);

    let mut history = vec![(0u32, 0i64); g.customers.len()];
    drafts
        .into_iter()
        .map(|mut d| {
            if let Some(c) = d.customer {
                let (count, spent) = history[c];
                if !g.customers[c].guest {
                    d.facts.customer = CustomerHistory {
                        prior_orders: count,
                        prior_spent: (count > 0).then(|| Money::from_minor(spent, Currency::USD)),
                    };
                }
                history[c] = (count + 1, spent + d.facts.amount.minor());
            }
            g.verdicts(&mut d);
            let outcome = g.outcome(&d);
            SyntheticOrder {
                order: LabelledOrder {
                    facts: d.facts,
                    outcome,
                },
                pattern: d.pattern,
            }
        })
        .collect()
}

impl Generator {
    fn new(config: SynthConfig) -> Self {
        // Literal ISO codes: parsing them cannot fail.
        let countries = ["US", "CA", "GB", "DE", "FR", "BR", "NG", "RO"]
            .iter()
            .map(|c| CountryCode::parse(c, "country").unwrap_or(CountryCode::US))
            .collect();
        let mut g = Self {
            rng: StdRng::seed_from_u64(config.seed),
            countries,
            customers: Vec::new(),
            drops: Vec::new(),
            next_id: 0,
            config,
        };
        let customers = (config.orders as f64 / 2.5) as usize;
        for i in 0..customers {
            let country = g.pick(&[(0, 85.0), (1, 10.0), (2, 3.0), (3, 2.0)]);
            let home = g.address(country);
            let shared_ip = g.rng.random_bool(0.1);
            let ip = if shared_ip {
                IpAddr::V4(Ipv4Addr::from(0xC0A8_0000 + g.rng.random_range(0..100u32)))
            } else {
                IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + i as u32))
            };
            let big = g.rng.random_bool(0.04);
            let mean_minor = g.lognormal(if big { 40_000.0 } else { 6_000.0 }, 0.5);
            let guest = g.rng.random_bool(0.15);
            g.customers.push(Customer {
                email: format!("customer{i}@mail{}.example", i % 7),
                card: format!("fp_c{i}"),
                home,
                ip,
                mean_minor,
                guest,
            });
        }
        g.drops = (0..300)
            .map(|_| {
                let country = g.pick(&[(0, 80.0), (1, 10.0), (2, 10.0)]);
                g.address(country)
            })
            .collect();
        g
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn address(&mut self, country: usize) -> AddressFacts {
        let n = self.id();
        AddressFacts {
            country: self.countries[country],
            postal_code: format!("{:05}", self.rng.random_range(10_000..99_999u32)),
            line1: format!("{n} Main St"),
        }
    }

    /// A weighted pick of the first element of each pair.
    fn pick<T: Copy>(&mut self, weighted: &[(T, f64)]) -> T {
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.random::<f64>() * total;
        for (value, weight) in weighted {
            if x < *weight {
                return *value;
            }
            x -= weight;
        }
        weighted[weighted.len() - 1].0
    }

    fn normal(&mut self) -> f64 {
        // Box–Muller.
        let u1: f64 = self.rng.random::<f64>().max(1e-12);
        let u2: f64 = self.rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    fn money(&mut self, median: f64, sigma: f64) -> Money {
        let minor = self.lognormal(median, sigma).round().max(100.0) as i64;
        Money::from_minor(minor, Currency::USD)
    }

    fn time(&mut self) -> OffsetDateTime {
        self.config.start + Duration::seconds(self.rng.random_range(0..self.config.days * 86_400))
    }

    fn categories(&mut self, high_risk: f64) -> BTreeSet<String> {
        let category = if self.rng.random_bool(high_risk) {
            HIGH_RISK_CATEGORIES[self.rng.random_range(0..2)]
        } else {
            CATEGORIES[self.rng.random_range(0..4)]
        };
        BTreeSet::from([category.to_owned()])
    }

    fn foreign_ip(&mut self) -> (IpAddr, CountryCode) {
        let country = self.countries[self.rng.random_range(2..self.countries.len())];
        (
            IpAddr::V4(Ipv4Addr::from(
                0x5000_0000 + self.rng.random_range(0..50_000u32),
            )),
            country,
        )
    }

    fn avs(&mut self, weights: [f64; 4]) -> AvsResult {
        let avs = [
            AvsResult::FullMatch,
            AvsResult::PostalOnly,
            AvsResult::NoMatch,
            AvsResult::Unavailable,
        ];
        let i = self.pick(&[
            (0, weights[0]),
            (1, weights[1]),
            (2, weights[2]),
            (3, weights[3]),
        ]);
        avs[i].clone()
    }

    fn cvv(&mut self, no_match: f64) -> CvvResult {
        if self.rng.random_bool(no_match) {
            CvvResult::NoMatch
        } else if self.rng.random_bool(0.015) {
            CvvResult::NotProcessed
        } else {
            CvvResult::Match
        }
    }

    fn base_facts(&mut self, placed_at: OffsetDateTime, amount: Money) -> OrderFacts {
        OrderFacts {
            placed_at,
            amount,
            card: None,
            avs: None,
            cvv: None,
            radar: None,
            shopify: None,
            email: None,
            ip: None,
            ip_country: None,
            billing: None,
            shipping: None,
            customer: CustomerHistory::default(),
            account: None,
            categories: BTreeSet::new(),
        }
    }

    fn legitimate(&mut self, drafts: &mut Vec<Draft>) {
        // Earlier customers order more often: a loyal core and a long tail.
        let u: f64 = self.rng.random();
        let c = ((u * u) * self.customers.len() as f64) as usize;
        let pattern = self.pick(&[
            (Pattern::Regular, 85.0),
            (Pattern::Gift, 8.0),
            (Pattern::Traveller, 4.0),
            (Pattern::FamilyBurst, 3.0),
        ]);
        let orders = if pattern == Pattern::FamilyBurst {
            self.rng.random_range(2..=4)
        } else {
            1
        };
        let start = self.time();
        for n in 0..orders {
            let at = start + Duration::seconds(n * self.rng.random_range(600..7_200));
            let customer = &self.customers[c];
            let (email, card, home, ip, mean) = (
                customer.email.clone(),
                customer.card.clone(),
                customer.home.clone(),
                customer.ip,
                customer.mean_minor,
            );
            let amount = self.money(mean, 0.6);
            let mut facts = self.base_facts(at, amount);
            let foreign_card = home.country != self.countries[0];
            facts.card = Some(CardFacts {
                fingerprint: if self.rng.random_bool(0.1) {
                    format!("{card}_2")
                } else {
                    card
                },
                last4: None,
            });
            facts.avs = Some(if foreign_card {
                self.avs([40.0, 10.0, 5.0, 45.0])
            } else {
                self.avs([84.0, 8.0, 3.0, 5.0])
            });
            facts.cvv = Some(self.cvv(0.012));
            facts.email = Some(email);
            facts.billing = Some(home.clone());
            facts.shipping = Some(if pattern == Pattern::Gift {
                let country = if self.rng.random_bool(0.9) { 0 } else { 1 };
                self.address(country)
            } else {
                home.clone()
            });
            let (ip, ip_country) = if pattern == Pattern::Traveller {
                self.foreign_ip()
            } else {
                (ip, home.country)
            };
            facts.ip = Some(ip);
            facts.ip_country = Some(ip_country);
            facts.categories = self.categories(0.12);
            drafts.push(Draft {
                facts,
                pattern,
                customer: Some(c),
            });
        }
    }

    fn fraud_campaign(&mut self, drafts: &mut Vec<Draft>) {
        let pattern = self.pick(&[
            (Pattern::CardTesting, 3.0),
            (Pattern::StolenCard, 45.0),
            (Pattern::VelocityBurst, 12.0),
            (Pattern::AccountTakeover, 25.0),
        ]);
        let start = self.time();
        let (ip, ip_country) = if self.rng.random_bool(0.5) {
            self.foreign_ip()
        } else {
            // A proxy inside the country.
            (
                IpAddr::V4(Ipv4Addr::from(
                    0x6400_0000 + self.rng.random_range(0..20_000u32),
                )),
                self.countries[0],
            )
        };
        let drop = self.drops[self.rng.random_range(0..self.drops.len())].clone();
        match pattern {
            Pattern::CardTesting => {
                let orders = self.rng.random_range(6..=30);
                let email = format!("t{}@fast.example", self.id());
                for _ in 0..orders {
                    let at = start + Duration::seconds(self.rng.random_range(0..7_200));
                    let amount =
                        Money::from_minor(self.rng.random_range(100..1_500), Currency::USD);
                    let mut facts = self.base_facts(at, amount);
                    let card = format!("fp_t{}", self.id());
                    facts.card = Some(CardFacts {
                        fingerprint: card,
                        last4: None,
                    });
                    facts.avs = Some(self.avs([25.0, 15.0, 35.0, 25.0]));
                    facts.cvv = Some(self.cvv(0.35));
                    facts.email = Some(if self.rng.random_bool(0.5) {
                        email.clone()
                    } else {
                        format!("t{}@fast.example", self.id())
                    });
                    facts.ip = Some(ip);
                    facts.ip_country = Some(ip_country);
                    let billing_country = self.pick(&[(0, 80.0), (1, 20.0)]);
                    facts.billing = Some(self.address(billing_country));
                    facts.shipping = Some(drop.clone());
                    facts.categories = self.categories(0.5);
                    drafts.push(Draft {
                        facts,
                        pattern,
                        customer: None,
                    });
                }
            }
            Pattern::StolenCard | Pattern::VelocityBurst => {
                let orders = if pattern == Pattern::StolenCard {
                    1
                } else {
                    self.rng.random_range(2..=6)
                };
                let card = format!("fp_s{}", self.id());
                let email = format!("s{}@mail{}.example", self.id(), self.rng.random_range(0..7));
                let billing_country = self.pick(&[(0, 85.0), (1, 10.0), (2, 5.0)]);
                let billing = self.address(billing_country);
                let shipping = if self.rng.random_bool(0.55) {
                    drop
                } else {
                    billing.clone()
                };
                let ip_country = if self.rng.random_bool(0.55) {
                    ip_country
                } else {
                    billing.country
                };
                let avs = self.avs([55.0, 15.0, 15.0, 15.0]);
                let median = if pattern == Pattern::StolenCard {
                    25_000.0
                } else {
                    12_000.0
                };
                for n in 0..orders {
                    let at = start + Duration::seconds(n * self.rng.random_range(300..14_400));
                    let amount = self.money(median, 0.7);
                    let mut facts = self.base_facts(at, amount);
                    facts.card = Some(CardFacts {
                        fingerprint: card.clone(),
                        last4: None,
                    });
                    facts.avs = Some(avs.clone());
                    facts.cvv = Some(self.cvv(0.08));
                    facts.email = Some(email.clone());
                    facts.ip = Some(ip);
                    facts.ip_country = Some(ip_country);
                    facts.billing = Some(billing.clone());
                    facts.shipping = Some(shipping.clone());
                    facts.categories = self.categories(0.55);
                    drafts.push(Draft {
                        facts,
                        pattern,
                        customer: None,
                    });
                }
            }
            _ => {
                let c = self.rng.random_range(0..self.customers.len());
                let customer = &self.customers[c];
                let (email, card, home, mean) = (
                    customer.email.clone(),
                    customer.card.clone(),
                    customer.home.clone(),
                    customer.mean_minor,
                );
                let amount = self.money(mean * 2.5, 0.6);
                let mut facts = self.base_facts(start, amount);
                facts.card = Some(CardFacts {
                    fingerprint: card,
                    last4: None,
                });
                facts.avs = Some(self.avs([85.0, 7.0, 4.0, 4.0]));
                facts.cvv = Some(self.cvv(0.03));
                facts.email = Some(email);
                facts.billing = Some(home.clone());
                facts.shipping = Some(if self.rng.random_bool(0.6) {
                    drop
                } else {
                    home.clone()
                });
                let foreign = self.rng.random_bool(0.4);
                facts.ip = Some(ip);
                facts.ip_country = Some(if foreign { ip_country } else { home.country });
                facts.categories = self.categories(0.45);
                drafts.push(Draft {
                    facts,
                    pattern,
                    customer: Some(c),
                });
            }
        }
    }

    /// Radar (on the Stripe pair, half the orders) and Shopify (on Shopify stores, 60 %; only
    /// Shopify gives the IP's country) from a latent risk that sees the truth through noise.
    fn verdicts(&mut self, d: &mut Draft) {
        let f = &d.facts;
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        let latent = flag(d.pattern.is_fraud()) * 1.6
            + flag(f.avs == Some(AvsResult::NoMatch)) * 0.7
            + flag(f.cvv == Some(CvvResult::NoMatch)) * 0.9
            + flag(f.ip_country != f.billing.as_ref().map(|b| b.country)) * 0.5
            + flag(f.billing != f.shipping) * 0.4
            + flag(f.customer.prior_orders == 0) * 0.3
            + self.normal();
        if self.rng.random_bool(0.5) {
            let noisy = latent + 0.6 * self.normal();
            let score = (100.0 / (1.0 + (-(1.3 * noisy - 3.2)).exp()))
                .round()
                .clamp(0.0, 100.0) as u8;
            let risk_level = match score {
                75.. => RadarRiskLevel::Highest,
                65..75 => RadarRiskLevel::Elevated,
                _ => RadarRiskLevel::Normal,
            };
            d.facts.radar = Some(RadarAssessment {
                risk_level,
                risk_score: Some(score),
            });
        }
        if self.rng.random_bool(0.6) {
            let noisy = latent + 0.8 * self.normal();
            d.facts.shopify = Some(if noisy >= 3.4 {
                ShopifyRecommendation::Cancel
            } else if noisy >= 2.4 {
                ShopifyRecommendation::Investigate
            } else {
                ShopifyRecommendation::Accept
            });
        } else {
            d.facts.ip_country = None;
        }
    }

    /// Every order settles two days later. Most fraud is disputed within 20 to 100 days; on the
    /// Stripe pair half of it first gets an early fraud warning; some is never reported. A few
    /// legitimate orders are disputed for other reasons.
    fn outcome(&mut self, d: &Draft) -> OrderOutcome {
        let at = d.facts.placed_at;
        let mut outcome = OrderOutcome {
            settled_at: Some(at + Duration::days(2)),
            ..OrderOutcome::default()
        };
        let days =
            |rng: &mut StdRng, low: i64, high: i64| Duration::days(rng.random_range(low..high));
        if d.pattern.is_fraud() {
            if self.rng.random_bool(0.92) {
                outcome.fraud_dispute_at = Some(at + days(&mut self.rng, 20, 100));
                if d.facts.radar.is_some() && self.rng.random_bool(0.5) {
                    outcome.early_fraud_warning_at = Some(at + days(&mut self.rng, 2, 15));
                }
            }
        } else if self.rng.random_bool(0.004) {
            outcome.other_dispute_at = Some(at + days(&mut self.rng, 10, 60));
        }
        outcome
    }
}
