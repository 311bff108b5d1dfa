//! Segment joins and leaves in the database: written once however many app servers compute
//! them, numbered in commit order, and caught up when a server starts after moves no server wrote.
use crate::common::spawn_app;
use crate::customers::insert_random;
use crate::segments::{save, segment};
use app::segments::history::{entered_by_pages, since};
use app::segments::membership::Reason;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Two writers racing with the same moves (two app servers that computed them) write each once;
/// the cursor numbers every written move in order, with no gap, and the history outlives them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_and_leaves_are_written_once_however_many_servers_write_them() {
    use app::segments::history::write;
    use app::segments::membership::Transition;
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(3);
    // 300 customers each join and leave segment 7 and join segment 8.
    let mut moves = Vec::new();
    for c in 1..=300_i64 {
        let at = 1_800_000_000 + c;
        // Decided on the feed at positions 10c, 10c + 1, 10c + 2.
        let m = |segment, entered, step| Transition {
            segment,
            customer: c,
            entered,
            at,
            reason: Reason::CustomerChanged,
            cause: c * 10 + step,
        };
        moves.extend([m(7, true, 0), m(7, false, 1), m(8, true, 2)]);
    }
    // Two writers at once, each in its own batches, one move twice over.
    let mut writes = Vec::new();
    for _ in 0..2 {
        let (db, mut mine) = (app.state.db.clone(), moves.clone());
        let repeat = rand::Rng::gen_range(&mut rng, 0..mine.len());
        mine.insert(repeat + 1, mine[repeat].clone());
        writes.push(tokio::spawn(async move {
            for part in mine.chunks(128) {
                write(&db, part).await.expect("written");
            }
        }));
    }
    for w in writes {
        w.await.unwrap();
    }
    // A server reading the feed behind the others writes them all again, late: each join comes
    // after the leave that undid it was written, and is not written again.
    write(&app.state.db, &moves).await.expect("written");
    let all = since(&app.state.db, 0, 10_000, None).await.unwrap();
    assert_eq!(all.len(), moves.len());
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=moves.len() as u64).collect::<Vec<_>>());
    // Per customer and segment, joins and leaves alternate, starting with the join.
    for c in 1..=300_i64 {
        let mine: Vec<(u32, bool)> = all
            .iter()
            .filter(|e| e.customer == c)
            .map(|e| (e.segment, e.entered))
            .collect();
        assert_eq!(mine, vec![(7, true), (7, false), (8, true)], "customer {c}");
    }
    // The cursor pages through them; a customer's own read narrows them.
    let after = since(&app.state.db, 450, 10_000, None).await.unwrap();
    assert_eq!(after.first().map(|e| e.seq), Some(451));
    assert_eq!(after.len(), moves.len() - 450);
    let ann = since(&app.state.db, 0, 10, Some(5)).await.unwrap();
    assert_eq!(ann.len(), 3);
    assert!(ann.windows(2).all(|w| w[0].seq < w[1].seq));
    // Whom each segment has, read back a few states at a time: all 300 in 8, none in 7.
    for page in [7, 300, 10_000] {
        let of = |s| entered_by_pages(&app.state.db, s, page);
        assert_eq!(of(8).await.unwrap(), (1..=300_u64).collect());
        assert!(of(7).await.unwrap().is_empty());
    }
    // Another app server on the same database (a restart, say) reads the same history.
    let again = crate::common::spawn_second(&app).await;
    assert_eq!(since(&again.state.db, 0, 10_000, None).await.unwrap(), all);
}

/// A server that stopped before writing what it recorded, or a day that turned with every server
/// down, leaves the history behind the members: a starting server compares and writes the
/// difference, as caught up, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_server_writes_the_moves_no_server_wrote() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(17);
    insert_random(&app, &mut rng, 1, 300).await;
    let admin = app
        .admin_with_role("segments-history@example.com", "administrators")
        .await;
    let r = save(&app, &admin, segment("Italians", "country = 'IT'")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: u32 = serde_json::from_str(&r.body).unwrap();
    let members = app.state.segments.members(id).expect("kept");
    assert!(members.len() >= 3, "{} members", members.len());
    let db = &app.state.db;
    let written = || async { since(db, 0, 10_000, None).await.unwrap() };
    let start = std::time::Instant::now();
    while (written().await.len() as u64) < members.len() {
        assert!(start.elapsed().as_secs() < 10, "the joins were not written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let cursor = written().await.last().unwrap().seq;

    // Lost moves: one member's join never written, another's undone by a leave that was; a
    // customer who left with the leave unwritten.
    let mut m = members.iter();
    let (lost_join, undone) = (m.next().unwrap() as i64, m.next().unwrap() as i64);
    let left = (1..=300).find(|c| !members.contains(*c as u64)).unwrap();
    db.query(format!(
        "DELETE segment_state:[{id}, {lost_join}];
         UPDATE segment_state:[{id}, {undone}] SET entered = false;
         UPSERT segment_state:[{id}, {left}] SET entered = true, at = 0, cause = 0;"
    ))
    .await
    .unwrap()
    .check()
    .unwrap();

    // A server starts (a restart, say): it writes the three moves, as caught up, and no more.
    let _again = crate::common::spawn_second(&app).await;
    let start = std::time::Instant::now();
    while since(db, cursor, 100, None).await.unwrap().len() < 3 {
        assert!(start.elapsed().as_secs() < 10, "not caught up");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut found: Vec<(i64, bool, Reason)> = since(db, cursor, 100, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.customer, e.entered, e.reason))
        .collect();
    found.sort_by_key(|f| f.0);
    let mut want = vec![
        (lost_join, true, Reason::CaughtUp),
        (undone, true, Reason::CaughtUp),
        (left, false, Reason::CaughtUp),
    ];
    want.sort_by_key(|f| f.0);
    assert_eq!(found, want);
}
