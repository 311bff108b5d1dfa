//! The demo catalog: 40 categories (8 departments of 4) and 2,000 products named in English,
//! Italian and Dutch, written through the catalog API's own batch code. Product `n` is SKU
//! `SKU-{n:04}` with a fixed price, so demo orders, carts and wish lists name real products.
use app::catalog;
use app::domain::Principal;
use app::domain::product::{AttributeValue, Category, Names, ProductInput};
use std::collections::BTreeMap;

/// Products in the demo catalog (`SKU-0001` … `SKU-2000`).
pub const PRODUCTS: u32 = 2000;
/// Products per catalog batch call (the API's batch limit).
const BATCH: usize = 1000;

/// A name in the three storefront languages.
type Tri = (&'static str, &'static str, &'static str);
/// A category's code and names.
type Named = (&'static str, Tri);
/// A department: its code, names and four sub-categories.
type Department = (&'static str, Tri, [Named; 4]);

/// The departments and their four sub-categories: (code, names).
const DEPARTMENTS: [Department; 8] = [
    (
        "women",
        ("Women", "Donna", "Dames"),
        [
            ("women-tops", ("Tops", "Top", "Topjes")),
            ("women-jackets", ("Jackets", "Giacche", "Jassen")),
            ("women-dresses", ("Dresses", "Abiti", "Jurken")),
            ("women-shoes", ("Shoes", "Scarpe", "Schoenen")),
        ],
    ),
    (
        "men",
        ("Men", "Uomo", "Heren"),
        [
            ("men-shirts", ("Shirts", "Camicie", "Overhemden")),
            ("men-jackets", ("Jackets", "Giacche", "Jassen")),
            ("men-trousers", ("Trousers", "Pantaloni", "Broeken")),
            ("men-shoes", ("Shoes", "Scarpe", "Schoenen")),
        ],
    ),
    (
        "kids",
        ("Kids", "Bambini", "Kinderen"),
        [
            ("kids-girls", ("Girls", "Bambina", "Meisjes")),
            ("kids-boys", ("Boys", "Bambino", "Jongens")),
            ("kids-baby", ("Baby", "Neonato", "Baby")),
            ("kids-toys", ("Toys", "Giocattoli", "Speelgoed")),
        ],
    ),
    (
        "home",
        ("Home", "Casa", "Wonen"),
        [
            ("home-kitchen", ("Kitchen", "Cucina", "Keuken")),
            ("home-bedroom", ("Bedroom", "Camera da letto", "Slaapkamer")),
            ("home-bath", ("Bath", "Bagno", "Badkamer")),
            ("home-decor", ("Decor", "Decorazioni", "Decoratie")),
        ],
    ),
    (
        "beauty",
        ("Beauty", "Bellezza", "Verzorging"),
        [
            (
                "beauty-skin",
                ("Skin care", "Cura della pelle", "Huidverzorging"),
            ),
            ("beauty-hair", ("Hair", "Capelli", "Haar")),
            ("beauty-makeup", ("Make-up", "Trucco", "Make-up")),
            ("beauty-fragrance", ("Fragrance", "Profumi", "Geuren")),
        ],
    ),
    (
        "sport",
        ("Sport", "Sport", "Sport"),
        [
            ("sport-running", ("Running", "Corsa", "Hardlopen")),
            ("sport-cycling", ("Cycling", "Ciclismo", "Fietsen")),
            ("sport-outdoor", ("Outdoor", "Outdoor", "Buitensport")),
            ("sport-fitness", ("Fitness", "Fitness", "Fitness")),
        ],
    ),
    (
        "tech",
        ("Electronics", "Elettronica", "Elektronica"),
        [
            ("tech-audio", ("Audio", "Audio", "Audio")),
            ("tech-phones", ("Phones", "Telefoni", "Telefoons")),
            ("tech-computers", ("Computers", "Computer", "Computers")),
            (
                "tech-accessories",
                ("Accessories", "Accessori", "Accessoires"),
            ),
        ],
    ),
    (
        "bags",
        ("Bags", "Borse", "Tassen"),
        [
            ("bags-backpacks", ("Backpacks", "Zaini", "Rugzakken")),
            ("bags-travel", ("Travel", "Viaggio", "Reizen")),
            ("bags-handbags", ("Handbags", "Borsette", "Handtassen")),
            ("bags-wallets", ("Wallets", "Portafogli", "Portemonnees")),
        ],
    ),
];

const ADJECTIVES: [Tri; 8] = [
    ("Classic", "Classico", "Klassiek"),
    ("Everyday", "Quotidiano", "Dagelijks"),
    ("Premium", "Premium", "Premium"),
    ("Light", "Leggero", "Licht"),
    ("Organic", "Biologico", "Biologisch"),
    ("Urban", "Urbano", "Urban"),
    ("Vintage", "Vintage", "Vintage"),
    ("Essential", "Essenziale", "Essentieel"),
];
const BRANDS: [&str; 10] = [
    "acme",
    "northwind",
    "lumen",
    "verde",
    "oranje",
    "brio",
    "fjord",
    "sol",
    "tessa",
    "kaio",
];
const COLOURS: [&str; 8] = [
    "black", "white", "red", "blue", "green", "grey", "beige", "yellow",
];
const SIZES: [&str; 6] = ["xs", "s", "m", "l", "xl", "one-size"];
const MATERIALS: [&str; 6] = ["cotton", "wool", "leather", "polyester", "linen", "steel"];

/// The 40 categories, each department before its children.
pub fn categories() -> Vec<Category> {
    let name = |(en, it, nl): Tri| Names {
        en: en.into(),
        it: Some(it.into()),
        nl: Some(nl.into()),
    };
    let mut out = Vec::new();
    for (d, (code, names, children)) in DEPARTMENTS.iter().enumerate() {
        out.push(Category {
            code: (*code).into(),
            name: name(*names),
            parent: None,
            position: d as u32,
        });
        for (c, (child, names)) in children.iter().enumerate() {
            out.push(Category {
                code: (*child).into(),
                name: name(*names),
                parent: Some((*code).into()),
                position: c as u32,
            });
        }
    }
    out
}

/// The SKU of demo product `n`.
pub fn sku(n: u32) -> String {
    format!("SKU-{n:04}")
}

/// The price of demo product `n`, in cents: fixed by its number, so every order, cart and wish
/// list that names it agrees with the catalog.
pub fn price_cents(n: u32) -> i64 {
    500 + i64::from(n * 7919 % 20_000)
}

/// Demo product `n`'s department and sub-category (indexes into `DEPARTMENTS`).
fn placement(n: u32) -> (usize, usize) {
    let leaf = (n as usize * 7) % 32;
    (leaf / 4, leaf % 4)
}

/// Demo product `n`'s name in English, Italian and Dutch ("Classic Jackets 17").
pub fn names(n: u32) -> Names {
    let (d, c) = placement(n);
    let (en, it, nl) = DEPARTMENTS[d].2[c].1;
    let (aen, ait, anl) = ADJECTIVES[n as usize % ADJECTIVES.len()];
    Names {
        en: format!("{aen} {en} {n}"),
        it: Some(format!("{it} {ait} {n}")),
        nl: Some(format!("{anl} {nl} {n}")),
    }
}

/// Demo product `n` as the catalog would send it.
pub fn product(n: u32) -> ProductInput {
    let (d, c) = placement(n);
    let (department, _, children) = DEPARTMENTS[d];
    let price = price_cents(n);
    let mut attributes = BTreeMap::new();
    let pick = |list: &[&str], salt: u32| list[((n * 31 + salt) as usize) % list.len()].to_owned();
    attributes.insert("color".into(), AttributeValue::Text(pick(&COLOURS, 1)));
    attributes.insert("size".into(), AttributeValue::Text(pick(&SIZES, 2)));
    attributes.insert("material".into(), AttributeValue::Text(pick(&MATERIALS, 3)));
    attributes.insert("eco".into(), AttributeValue::Flag(n.is_multiple_of(5)));
    attributes.insert(
        "weight_kg".into(),
        AttributeValue::Number(f64::from(n % 50 + 1) / 10.0),
    );
    ProductInput {
        sku: sku(n),
        name: names(n),
        price: price as f64 / 100.0,
        special_price: n
            .is_multiple_of(10)
            .then(|| (price * 8 / 10) as f64 / 100.0),
        categories: vec![department.into(), children[c].0.into()],
        brand: Some(BRANDS[n as usize % BRANDS.len()].into()),
        attributes,
        enabled: Some(!n.is_multiple_of(50)),
    }
}

/// Writes the demo categories and products through the catalog's batch code; returns how many
/// products were written (created or updated: a second seeding finds them unchanged).
pub async fn seed_catalog(db: &app::db::Db, me: &Principal) -> anyhow::Result<u64> {
    let answers = catalog::put_categories(db, me, categories())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(Err(e)) = answers.into_iter().find(Result::is_err) {
        anyhow::bail!("a demo category was refused: {e:?}");
    }
    let all: Vec<ProductInput> = (1..=PRODUCTS).map(product).collect();
    let mut written = 0;
    for chunk in all.chunks(BATCH) {
        let answers = catalog::put_products(db, me, chunk.to_vec())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for a in answers {
            match a {
                Ok(app::db::Outcome::Unchanged) => {}
                Ok(_) => written += 1,
                Err(e) => anyhow::bail!("a demo product was refused: {e:?}"),
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_categories_in_a_tree_and_every_product_valid_in_one() {
        let cats = categories();
        assert_eq!(cats.len(), 40);
        let codes: std::collections::HashSet<&str> = cats.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes.len(), 40);
        for c in &cats {
            c.validate().unwrap();
        }
        let mut leaves = std::collections::HashSet::new();
        for n in 1..=PRODUCTS {
            let p = product(n).validate().unwrap();
            assert!(p.categories.iter().all(|c| codes.contains(c.as_str())));
            assert_eq!(p.price.0, price_cents(n));
            assert!(p.name.it.is_some() && p.name.nl.is_some());
            leaves.insert(p.categories[1].clone());
        }
        assert_eq!(leaves.len(), 32, "every sub-category has products");
    }
}
