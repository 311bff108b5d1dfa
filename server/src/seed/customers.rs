//! Demo customers: English, Italian and Dutch names and addresses, groups, sign-up dates, in bulk.
use app::db::{Db, retry};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use surrealdb::types::{Datetime, RecordId, SurrealValue};

/// Rows per transaction: big enough to amortise a commit, small enough to keep memory flat.
const BATCH: usize = 1000;
/// Seeding logs a progress line each time this many more customers are in.
const PROGRESS_EVERY: u64 = 100_000;

struct Country {
    code: &'static str,
    locale: &'static str,
    domain: &'static str,
    first_f: &'static [&'static str],
    first_m: &'static [&'static str],
    last: &'static [&'static str],
    /// (city, region, postcode prefix)
    cities: &'static [(&'static str, &'static str, &'static str)],
    streets: &'static [&'static str],
    phone: &'static str,
}

const GB: Country = Country {
    code: "GB",
    locale: "en",
    domain: "example.co.uk",
    first_f: &[
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Emily",
        "Sophie",
        "Grace",
        "Lily",
        "Freya",
        "Charlotte",
        "Hannah",
        "Eleanor",
        "Lucy",
        "Alice",
        "Ruby",
    ],
    first_m: &[
        "Oliver", "George", "Harry", "Jack", "Noah", "Charlie", "Thomas", "James", "William",
        "Henry", "Samuel", "Daniel", "Joseph", "Edward", "Arthur",
    ],
    last: &[
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke",
    ],
    cities: &[
        ("London", "Greater London", "SW1"),
        ("Manchester", "Greater Manchester", "M1"),
        ("Birmingham", "West Midlands", "B1"),
        ("Leeds", "West Yorkshire", "LS1"),
        ("Bristol", "Bristol", "BS1"),
        ("Liverpool", "Merseyside", "L1"),
        ("Oxford", "Oxfordshire", "OX1"),
        ("York", "North Yorkshire", "YO1"),
    ],
    streets: &[
        "High Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "Park Avenue",
        "Mill Lane",
        "Green Lane",
        "Kings Road",
    ],
    phone: "+44 20 7946",
};

const IT: Country = Country {
    code: "IT",
    locale: "it",
    domain: "esempio.it",
    first_f: &[
        "Giulia",
        "Sofia",
        "Aurora",
        "Alice",
        "Ginevra",
        "Emma",
        "Giorgia",
        "Beatrice",
        "Chiara",
        "Francesca",
        "Martina",
        "Elena",
        "Anna",
        "Sara",
        "Federica",
    ],
    first_m: &[
        "Leonardo",
        "Francesco",
        "Alessandro",
        "Lorenzo",
        "Mattia",
        "Andrea",
        "Gabriele",
        "Riccardo",
        "Tommaso",
        "Edoardo",
        "Marco",
        "Luca",
        "Giovanni",
        "Niccolò",
        "Matteo",
    ],
    last: &[
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
        "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
        "Lombardi", "Moretti",
    ],
    cities: &[
        ("Roma", "Lazio", "001"),
        ("Milano", "Lombardia", "201"),
        ("Napoli", "Campania", "801"),
        ("Torino", "Piemonte", "101"),
        ("Bologna", "Emilia-Romagna", "401"),
        ("Firenze", "Toscana", "501"),
        ("Palermo", "Sicilia", "901"),
        ("Venezia", "Veneto", "301"),
    ],
    streets: &[
        "Via Roma",
        "Via Garibaldi",
        "Corso Italia",
        "Via Dante",
        "Via Mazzini",
        "Piazza della Repubblica",
        "Via Verdi",
        "Viale Europa",
    ],
    phone: "+39 06",
};

const NL: Country = Country {
    code: "NL",
    locale: "nl",
    domain: "voorbeeld.nl",
    first_f: &[
        "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Yara", "Eva", "Liv",
        "Lotte", "Anna", "Noor", "Fenna",
    ],
    first_m: &[
        "Noah", "Sem", "Liam", "Lucas", "Daan", "Finn", "Levi", "Luuk", "Mees", "James", "Milan",
        "Bram", "Jesse", "Thijs", "Ruben",
    ],
    last: &[
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "van Dijk",
        "Bakker",
        "Janssen",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Vos",
        "Peters",
        "Hendriks",
        "van Leeuwen",
        "Dekker",
        "Brouwer",
    ],
    cities: &[
        ("Amsterdam", "Noord-Holland", "10"),
        ("Rotterdam", "Zuid-Holland", "30"),
        ("Den Haag", "Zuid-Holland", "25"),
        ("Utrecht", "Utrecht", "35"),
        ("Eindhoven", "Noord-Brabant", "56"),
        ("Groningen", "Groningen", "97"),
        ("Haarlem", "Noord-Holland", "20"),
        ("Leiden", "Zuid-Holland", "23"),
    ],
    streets: &[
        "Kerkstraat",
        "Dorpsstraat",
        "Stationsweg",
        "Molenweg",
        "Schoolstraat",
        "Prinsengracht",
        "Hoofdstraat",
        "Julianalaan",
    ],
    phone: "+31 20",
};

const COMPANIES: &[&str] = &[
    "Acme Trading",
    "Bottega Verde",
    "Noordzee Handel",
    "Brightside Ltd",
    "Oficina Nord",
    "De Molen BV",
];

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct CustomerRow {
    id: RecordId,
    website: RecordId,
    group: RecordId,
    prefix: Option<String>,
    firstname: String,
    lastname: String,
    email: String,
    dob: Option<String>,
    gender: Option<String>,
    taxvat: Option<String>,
    created_in: String,
    locale: String,
    confirmed: bool,
    newsletter: bool,
    assistance_allowed: bool,
    created_at: Datetime,
    updated_at: Datetime,
    scope: String,
    addresses: Vec<AddressRow>,
    default_billing: Option<String>,
    default_shipping: Option<String>,
}

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct AddressRow {
    id: String,
    firstname: String,
    lastname: String,
    company: Option<String>,
    street: Vec<String>,
    city: String,
    region: Option<String>,
    postcode: String,
    country_id: String,
    telephone: String,
}

fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'à' | 'á' => Some('a'),
            'è' | 'é' | 'ë' => Some('e'),
            'ì' | 'í' | 'ï' => Some('i'),
            'ò' | 'ó' | 'ö' => Some('o'),
            'ù' | 'ú' | 'ü' => Some('u'),
            ' ' | '\'' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn postcode(rng: &mut StdRng, c: &Country, prefix: &str) -> String {
    match c.code {
        "GB" => format!(
            "{prefix} {}{}{}",
            rng.gen_range(1..10),
            (b'A' + rng.gen_range(0..26)) as char,
            (b'A' + rng.gen_range(0..26)) as char
        ),
        "IT" => format!("{prefix}{:02}", rng.gen_range(0..100)),
        _ => format!(
            "{prefix}{:02} {}{}",
            rng.gen_range(10..100),
            (b'A' + rng.gen_range(0..26)) as char,
            (b'A' + rng.gen_range(0..26)) as char
        ),
    }
}

fn street(rng: &mut StdRng, c: &Country) -> String {
    let name = pick(rng, c.streets);
    let n = rng.gen_range(1..200);
    if c.code == "GB" {
        format!("{n} {name}")
    } else {
        format!("{name} {n}")
    }
}

/// Builds customer number `n` (deterministic for a given `n`).
fn customer(n: i64, now: chrono::DateTime<chrono::Utc>) -> CustomerRow {
    let mut rng = StdRng::seed_from_u64(n as u64 ^ 0x5eed_c11e);
    let country = match rng.gen_range(0..10) {
        0..=3 => &GB,
        4..=6 => &IT,
        _ => &NL,
    };
    let female = rng.gen_bool(0.5);
    let first = *pick(
        &mut rng,
        if female {
            country.first_f
        } else {
            country.first_m
        },
    );
    let last = *pick(&mut rng, country.last);
    let group = match rng.gen_range(0..100) {
        0..=69 => 1,
        70..=84 => 2,
        _ => 3,
    };
    // More sign-ups recently than long ago: ages up to three years, skewed towards now.
    let age_days = 1095.0 * rng.r#gen::<f64>().powf(1.5);
    let created = now - chrono::Duration::seconds((age_days * 86_400.0) as i64);
    let dob = rng.gen_bool(0.7).then(|| {
        format!(
            "{}-{:02}-{:02}",
            rng.gen_range(1950..2006),
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        )
    });
    let email = format!("{}.{}{}@{}", ascii(first), ascii(last), n, country.domain);
    let mut row = CustomerRow {
        id: RecordId::new("customer", n),
        website: RecordId::new("website", "main"),
        group: RecordId::new("customer_group", group),
        prefix: None,
        firstname: first.to_owned(),
        lastname: last.to_owned(),
        email,
        dob,
        gender: Some(if female { "female" } else { "male" }.to_owned()),
        taxvat: (group == 2)
            .then(|| format!("{}{:09}", country.code, rng.gen_range(0..1_000_000_000u64))),
        created_in: "Default Store View".to_owned(),
        locale: country.locale.to_owned(),
        confirmed: rng.gen_bool(0.95),
        newsletter: rng.gen_bool(0.35),
        assistance_allowed: rng.gen_bool(0.4),
        created_at: Datetime::from(created),
        updated_at: Datetime::from(created),
        scope: "main".to_owned(),
        addresses: Vec::new(),
        default_billing: None,
        default_shipping: None,
    };
    let count = match rng.gen_range(0..10) {
        0 => 0,
        1..=7 => 1,
        _ => 2,
    };
    let addresses = (0..count)
        .map(|i| {
            let (city, region, prefix) = *pick(&mut rng, country.cities);
            AddressRow {
                id: format!("a{n}x{i}"),
                firstname: first.to_owned(),
                lastname: last.to_owned(),
                company: (group != 1).then(|| pick(&mut rng, COMPANIES).to_string()),
                street: vec![street(&mut rng, country)],
                city: city.to_owned(),
                region: Some(region.to_owned()),
                postcode: postcode(&mut rng, country, prefix),
                country_id: country.code.to_owned(),
                telephone: format!(
                    "{} {:04} {:04}",
                    country.phone,
                    rng.gen_range(0..10_000),
                    rng.gen_range(0..10_000)
                ),
            }
        })
        .collect::<Vec<_>>();
    if let Some(first) = addresses.first() {
        row.default_billing = Some(first.id.clone());
        row.default_shipping = Some(first.id.clone());
    }
    row.addresses = addresses;
    row
}

/// The email of demo customer number `n`.
pub fn email_of(n: i64) -> String {
    customer(n, chrono::Utc::now()).email
}

/// Adds `count` demo customers (ids from the customer sequence); returns their ids.
pub async fn seed_customers(db: &Db, count: u64) -> anyhow::Result<Vec<i64>> {
    let now = chrono::Utc::now();
    let mut done = 0u64;
    let mut all = Vec::with_capacity(count as usize);
    while done < count {
        let n = (count - done).min(BATCH as u64);
        let mut res = db
            .query("RETURN array::repeat(0, $n).map(|$x| sequence::nextval('customer_id'))")
            .bind(("n", n as i64))
            .await?;
        let ids: Vec<i64> = res.take(0)?;
        let customers: Vec<CustomerRow> = ids.iter().map(|id| customer(*id, now)).collect();
        let customers = surrealdb::types::Value::from_t(customers);
        retry(|| async {
            db.query("INSERT INTO customer $customers RETURN NONE")
                .bind(("customers", customers.clone()))
                .await?
                .check()
        })
        .await?;
        if (done + n) / PROGRESS_EVERY > done / PROGRESS_EVERY {
            tracing::info!(customers = done + n, "seeding customers");
        }
        done += n;
        all.extend(ids);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_deterministic_and_plausible() {
        let now = chrono::Utc::now();
        let a = customer(42, now);
        let b = customer(42, now);
        let addr = &a.addresses;
        assert_eq!(a.email, b.email);
        assert!(
            a.email.ends_with("42@example.co.uk")
                || a.email.ends_with("42@esempio.it")
                || a.email.ends_with("42@voorbeeld.nl")
        );
        assert!(a.email.is_ascii());
        assert!(addr.len() <= 2);
    }

    #[test]
    fn all_three_languages_appear() {
        let now = chrono::Utc::now();
        let locales: std::collections::HashSet<String> =
            (1..200).map(|n| customer(n, now).locale).collect();
        assert_eq!(locales.len(), 3);
    }
}
