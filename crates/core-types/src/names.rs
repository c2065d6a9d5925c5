//! Column-name standardisation to snake_case, by the exact rule of domain.md §9.1.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Standardises one column name (`index` is its 0-based position, used for empty names):
///
/// 1. Unicode NFKD, then drop combining marks (á→a, ñ→n, ü→u);
/// 2. `%` → ` pct `, `#` → ` num `;
/// 3. `_` between a lowercase letter or digit and a following uppercase letter (camelCase);
/// 4. lowercase;
/// 5. every run of characters outside `[a-z0-9]` → one `_`;
/// 6. trim `_`; empty → `col_<index>`; a leading digit gets the prefix `c_`.
pub fn snake_case(name: &str, index: usize) -> String {
    let stripped: String = name.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    let replaced = stripped.replace('%', " pct ").replace('#', " num ");
    let mut split = String::with_capacity(replaced.len() + 4);
    let mut prev: Option<char> = None;
    for c in replaced.chars() {
        if let Some(p) = prev {
            if (p.is_lowercase() || p.is_ascii_digit()) && c.is_uppercase() {
                split.push('_');
            }
        }
        split.push(c);
        prev = Some(c);
    }
    let lower = split.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut in_run = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        format!("col_{index}")
    } else if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("c_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domain_examples() {
        for (raw, want) in [
            ("Fecha", "fecha"),
            ("Unidades Vendidas", "unidades_vendidas"),
            ("unidadesVendidas", "unidades_vendidas"),
            ("Promoción", "promocion"),
            ("Descuento (%)", "descuento_pct"),
            ("Precio Unitario $", "precio_unitario"),
            (" CANTIDAD ", "cantidad"),
            ("ID", "id"),
        ] {
            assert_eq!(snake_case(raw, 0), want, "{raw:?}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(snake_case("", 3), "col_3");
        assert_eq!(snake_case("¿?", 1), "col_1");
        assert_eq!(snake_case("2024 ventas", 0), "c_2024_ventas");
        assert_eq!(snake_case("# pedidos", 0), "num_pedidos");
        assert_eq!(snake_case("\u{feff}date", 0), "date");
        assert_eq!(snake_case("año", 0), "ano");
        assert_eq!(snake_case("pingüino", 0), "pinguino");
    }

    proptest! {
        #[test]
        fn output_is_snake_case_and_idempotent(s in "\\PC{0,24}", i in 0usize..50) {
            let once = snake_case(&s, i);
            prop_assert!(!once.is_empty());
            prop_assert!(once.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            prop_assert!(!once.starts_with('_') && !once.ends_with('_'));
            prop_assert!(!once.starts_with(|c: char| c.is_ascii_digit()));
            prop_assert_eq!(snake_case(&once, i), once);
        }
    }
}
