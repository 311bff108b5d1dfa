//! The headless personalization API: a storefront without our pages asks which block each of its
//! placements shows a customer or a visitor, gets what our own pages would show, with a cache key
//! where the answer may be shared, and passes a CDP's membership only as a token signed with the
//! shared key (forged, expired or someone else's tokens are refused; raw lists are ignored).
use crate::api::{api, problem, token};
use crate::common::{Reply, TestApp, spawn_app, spawn_app_with};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

const KEY: &str = "shared with the CDP: 32 bytes or more of secret";
const BLOCKS: &str = "/api/v1/personalization/blocks";

fn sign(key: &str, sub: &str, exp_in: i64, audiences: &[&str]) -> String {
    let claims = json!({
        "sub": sub, "audiences": audiences,
        "exp": chrono::Utc::now().timestamp() + exp_in,
    });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

async fn ask(app: &TestApp, bearer: &str, query: &str, token: Option<&str>) -> Reply {
    let auth = format!("Bearer {bearer}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(t) = token {
        headers.push(("X-Audience-Token", t));
    }
    app.request("GET", &format!("{BLOCKS}?{query}"), &headers, "")
        .await
}

/// The name of the block shown in the first placement (its HTML's text), or "" for none.
fn shown(r: &Reply) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["blocks"][0]["block"]["html"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn cache_key(r: &Reply) -> Value {
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["blocks"][0]["cache_key"].clone()
}

async fn save_block(app: &TestApp, admin: &str, name: &str, priority: i32, audiences: &[&str]) {
    let input = json!({
        "name": name, "active": true, "placement": "home_hero",
        "content": { "en": format!("<p>{name}</p>") }, "starts": "2020-01-01T00:00", "ends": "",
        "priority": priority.to_string(), "weight": "1", "fallback": audiences.is_empty(),
        "cap_per_day": "", "who": "everyone", "mode": "any", "segments": [], "groups": [],
        "audiences": audiences,
    });
    let body = json!({ "id": null, "input": input });
    let r = app.call_json("/api/admin/content/save", admin, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_storefront_gets_each_viewers_blocks_and_only_signed_membership_counts() {
    let app = spawn_app_with(|c| c.audiences.token_key = Some(KEY.into())).await;
    let admin = app
        .admin_with_role("headless@example.com", "administrators")
        .await;
    let staff = crate::api::staff(&app).await;
    let (_, cdp) = token(&app, &staff, "CDP", &["audiences:write"]).await;
    let (_, shop) = token(&app, &staff, "Shop", &["content:read"]).await;
    let (_, other) = token(&app, &staff, "Other", &["customers:read"]).await;
    let ann = crate::api::customer(&app, &staff, "ann@example.com").await;
    let bob = crate::api::customer(&app, &staff, "bob@example.com").await;
    for key in ["vip", "beta"] {
        let r = crate::api::send(
            &app,
            &cdp,
            "PUT",
            &format!("/api/v1/audiences/{key}"),
            &json!({ "name": key }).to_string(),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Ann is pushed into "vip"; nobody is pushed into "beta" (the CDP only signs it per request).
    let r = crate::api::send(
        &app,
        &cdp,
        "POST",
        "/api/v1/audiences/vip/members",
        &json!({ "seq": 1, "add": [{ "customer_id": ann }] }).to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    save_block(&app, &admin, "Beta testers", 10, &["beta"]).await;
    save_block(&app, &admin, "VIP hero", 5, &["vip"]).await;
    save_block(&app, &admin, "Hello all", 0, &[]).await;

    // Who may ask, and what they must say.
    problem(&ask(&app, &other, "placement=home_hero", None).await, 403);
    let field = |r: Reply| problem(&r, 422)["errors"][0]["field"].clone();
    assert_eq!(field(ask(&app, &shop, "", None).await), "placement");
    assert_eq!(
        field(ask(&app, &shop, "placement=home_hero&lang=fr", None).await),
        "lang"
    );
    assert_eq!(
        field(ask(&app, &shop, "placement=%3Cscript%3E", None).await),
        "placement"
    );
    let both = format!("placement=home_hero&customer_id={ann}&visitor_id=v1");
    assert_eq!(field(ask(&app, &shop, &both, None).await), "visitor_id");
    problem(
        &ask(&app, &shop, "placement=home_hero&customer_id=x", None).await,
        400,
    );
    problem(
        &ask(&app, &shop, "placement=home_hero&customer_id=999999", None).await,
        404,
    );

    // Members see their block, others the fallback; each with a key to share the answer by.
    let for_ann = format!("placement=home_hero&customer_id={ann}");
    let r = ask(&app, &shop, &for_ann, None).await;
    assert!(shown(&r).contains("VIP hero"), "{}", r.body);
    assert_eq!(r.header("vary"), Some("authorization, x-audience-token"));
    let ann_key = cache_key(&r);
    let r = ask(
        &app,
        &shop,
        &format!("placement=home_hero&customer_id={bob}"),
        None,
    )
    .await;
    assert!(shown(&r).contains("Hello all"), "{}", r.body);
    assert!(ann_key.is_string() && cache_key(&r).is_string() && cache_key(&r) != ann_key);
    let r = ask(
        &app,
        &shop,
        "placement=home_hero,header_notice&visitor_id=v1",
        None,
    )
    .await;
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["blocks"][1]["placement"], "header_notice");
    assert!(v["blocks"][1]["block"].is_null(), "{}", r.body);

    // A token signed with the shared key for this visitor: their CDP audiences count.
    let beta_v1 = sign(KEY, "visitor:v1", 600, &["beta"]);
    let r = ask(
        &app,
        &shop,
        "placement=home_hero&visitor_id=v1",
        Some(&beta_v1),
    )
    .await;
    assert!(shown(&r).contains("Beta testers"), "{}", r.body);
    // For a customer it adds to what was pushed (and the higher priority wins).
    let beta_ann = sign(KEY, &format!("customer:{ann}"), 600, &["beta"]);
    let r = ask(&app, &shop, &for_ann, Some(&beta_ann)).await;
    assert!(shown(&r).contains("Beta testers"), "{}", r.body);

    // Someone else's, forged, expired and raw lists: refused, never counted.
    let code = |r: Reply| problem(&r, 422)["code"].clone();
    let v2 = "placement=home_hero&visitor_id=v2";
    assert_eq!(
        code(ask(&app, &shop, v2, Some(&beta_v1)).await),
        "audience_token_other_subject"
    );
    let forged = sign(
        "a key the CDP never shared with us, 32+ bytes",
        "visitor:v1",
        600,
        &["beta"],
    );
    let v1 = "placement=home_hero&visitor_id=v1";
    assert_eq!(
        code(ask(&app, &shop, v1, Some(&forged)).await),
        "audience_token_invalid"
    );
    let expired = sign(KEY, "visitor:v1", -3600, &["beta"]);
    assert_eq!(
        code(ask(&app, &shop, v1, Some(&expired)).await),
        "audience_token_expired"
    );
    assert_eq!(
        code(ask(&app, &shop, v1, Some("beta")).await),
        "audience_token_invalid"
    );
    let r = app
        .request(
            "GET",
            &format!("{BLOCKS}?{v1}"),
            &[
                ("Authorization", &format!("Bearer {shop}")),
                ("X-Audiences", "beta"),
            ],
            "",
        )
        .await;
    assert!(
        shown(&r).contains("Hello all"),
        "a raw list is ignored: {}",
        r.body
    );

    // A server with no shared key takes no tokens at all.
    let plain = spawn_app().await;
    let staff = crate::api::staff(&plain).await;
    let (_, shop) = token(&plain, &staff, "Shop", &["content:read"]).await;
    assert_eq!(
        code(ask(&plain, &shop, v1, Some(&beta_v1)).await),
        "audience_tokens_off"
    );
    assert_eq!(
        api(&plain, Some(&shop), &format!("{BLOCKS}?{v1}"))
            .await
            .status,
        200
    );
}
