//! Structured logs with tracing: text for people, JSON for log collectors; panics logged as one line.
use crate::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

pub fn init(log: &LogConfig) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Panics go to the log as one error line — where, and what it said — instead of the default
/// hook's text on stderr, which carries a stack trace when `RUST_BACKTRACE` is set: the log keeps
/// no stack trace, and a log collector sees the panic at error level with the other errors.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, said = panic_message(info.payload()), "a task panicked");
    }));
}

/// What a panic said: `panic!` with a literal carries a `&str`, with arguments a `String`.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_is_one_error_line_with_its_place_and_message_and_no_stack_trace() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let previous = std::panic::take_hook();
        log_panics();
        let outcome = tracing::subscriber::with_default(subscriber, || {
            std::panic::catch_unwind(|| -> u8 { panic!("the cart is {} lines long", 3) })
        });
        std::panic::set_hook(previous);
        assert!(outcome.is_err());
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.contains("ERROR") && log.contains("a task panicked"),
            "{log}"
        );
        assert!(log.contains("the cart is 3 lines long"), "{log}");
        assert!(log.contains("server/src/telemetry.rs:"), "{log}");
        assert!(!log.contains("stack backtrace"), "{log}");
    }

    #[test]
    fn a_panic_s_message_is_read_from_either_payload() {
        let literal: Box<dyn std::any::Any + Send> = Box::new("literal");
        let formatted: Box<dyn std::any::Any + Send> = Box::new(String::from("formatted"));
        let other: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(literal.as_ref()), "literal");
        assert_eq!(panic_message(formatted.as_ref()), "formatted");
        assert_eq!(panic_message(other.as_ref()), "(no message)");
    }
}
